"""Fault injection on the study side: two sweeps racing for one folder's lock, the
parent or a worker of a running sweep killed, the Dask scheduler killed mid-sweep,
and a disk that fills up (or turns read-only) while results are written.

After each fault the rerun of the same command must finish with every finished
run kept and none duplicated: its rows are compared with those of an
uninterrupted sweep of the same file, which must be byte-identical because every
run's seed depends only on the sweep seed, the point and the replicate."""

from __future__ import annotations

import errno
import hashlib
import json
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import simulator.results as results
from simulator.cli import app
from simulator.errors import ScenarioError
from simulator.results import StudyLock, process_start
from simulator.sweep import load_sweep, run_sweep

from .processes import free_port as _free_port, listening as _listening, wait_for as _wait_for
from .conftest import ROOT

runner = CliRunner()

BASE = {
    "name": "tiny",
    "seed": 3,
    "days": 20,
    "replicates": 2,
    "population": {"size": 200, "initial_customers": 6},
    "network": {"kind": "erdos_renyi", "mean_degree": 4},
    "program": {"incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "qualification_days": 7}},
}
LINUX = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def write_sweep(folder: Path, values=tuple(range(0, 24, 2)), replicates: int = 2) -> Path:
    spec = {"base": BASE, "method": "grid", "replicates": replicates, "seed": 11, "metrics": ["customers_final", "attributed_roi"],
            "parameters": {"program.incentive.referrer_reward": {"values": list(values)}}}
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def reference_rows(path: Path, folder: Path) -> pd.DataFrame:
    """The rows of the same sweep run start to finish in one process, with no fault."""
    run_sweep(load_sweep(path), folder, executor="serial")
    return pd.read_parquet(folder / "sweep.parquet")


def assert_same_rows(out: Path, reference: pd.DataFrame) -> None:
    """Every run once, and the same bytes as the uninterrupted sweep."""
    parts = pd.concat([pd.read_parquet(p) for p in sorted((out / "runs").glob("part-*.parquet"))], ignore_index=True)
    assert parts["run_id"].is_unique and len(parts) == len(reference)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), reference)
    assert (out / "sweep.csv").read_bytes() == _csv_bytes(reference, out)


def _csv_bytes(frame: pd.DataFrame, out: Path) -> bytes:
    copy = out.parent / f"{out.name}-reference.csv"
    results.atomic_write_csv(copy, frame, floats_read_as_floats=True)   # as sweep.csv is written
    return copy.read_bytes()


def one_line_error(result, *words) -> str:
    assert result.exit_code == 2, result.output
    # the progress bar may have drawn itself before the failure: the error is the one last line
    lines = result.stderr.strip().splitlines()
    errors = [line for line in lines if "error" in line.lower()]
    assert errors == lines[-1:] and lines[-1].startswith("error: ") and "Traceback" not in result.output, result.stderr
    for word in words:
        assert word in lines[-1], lines[-1]
    return lines[-1]




def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _parts(out: Path) -> int:
    return len(list((out / "runs").glob("part-*.parquet")))


def _env() -> dict:
    return dict(os.environ, PYTHONPATH=str(ROOT))


# ----------------------------------------------------------------------------- the lock


def _contend(folder: str, delay: float, start, verdicts) -> None:
    """One contender (a forked process): take the lock, say whether it won, hold it a while."""
    if delay:
        real = results._write_lock_text

        def slow(fd, text):  # the window in which the old lock file existed but was empty
            time.sleep(delay)
            real(fd, text)

        results._write_lock_text = slow
    start.wait()
    try:
        with StudyLock(Path(folder), "sweep"):
            verdicts.put(("won", os.getpid()))
            time.sleep(1.0)
    except ScenarioError as error:
        verdicts.put(("refused", str(error)))


def _race(folder: Path, contenders: int, delay: float) -> list[tuple[str, object]]:
    context = multiprocessing.get_context("fork")
    start, verdicts = context.Barrier(contenders), context.Queue()
    processes = [context.Process(target=_contend, args=(str(folder), delay, start, verdicts)) for _ in range(contenders)]
    for process in processes:
        process.start()
    seen = []
    lock = folder / "sweep.lock"
    while any(p.is_alive() for p in processes):
        # whenever the lock exists it is whole: pid, host and start time
        try:
            seen.append(lock.read_text())
        except FileNotFoundError:
            pass
        time.sleep(0.005)
    for process in processes:
        process.join()
    assert all(text.count(" ") == 2 and text.endswith("\n") for text in seen), seen
    return [verdicts.get(timeout=5) for _ in processes]


@LINUX
def test_two_contenders_with_a_delay_between_creating_and_writing_the_lock_never_both_win(tmp_path):
    """The old lock was created empty, then written: with a delay in between, the
    second sweep took the empty lock for stale and both ran."""
    verdicts = _race(tmp_path, 2, delay=0.4)
    winners = [who for verdict, who in verdicts if verdict == "won"]
    assert len(winners) == 1, verdicts
    (refusal,) = [text for verdict, text in verdicts if verdict == "refused"]
    assert f"another sweep (pid {winners[0]} on" in refusal
    assert not (tmp_path / "sweep.lock").exists()


@LINUX
def test_a_stale_lock_is_reclaimed_by_exactly_one_of_many_contenders(tmp_path):
    dead = subprocess.Popen(["true"])
    dead.wait()
    (tmp_path / "sweep.lock").write_text(f"{dead.pid} {socket.gethostname()} 1\n")
    verdicts = _race(tmp_path, 4, delay=0.05)
    winners = [who for verdict, who in verdicts if verdict == "won"]
    assert len(winners) == 1, verdicts
    refusals = [text for verdict, text in verdicts if verdict == "refused"]
    assert len(refusals) == 3 and all(f"pid {winners[0]} on" in text for text in refusals), refusals


@LINUX
def test_a_lock_whose_pid_now_belongs_to_a_later_process_is_stale(tmp_path):
    """The lock names the holder's pid and start time: the same pid with another start
    time is a later process that reused the pid (after a reboot, or a wrap-around)."""
    lock = tmp_path / "sweep.lock"
    mine = process_start(os.getpid())
    assert mine is not None
    lock.write_text(f"{os.getpid()} {socket.gethostname()} {int(mine) + 1}\n")
    with StudyLock(tmp_path, "sweep"):
        assert lock.read_text().split() == [str(os.getpid()), socket.gethostname(), mine]
    lock.write_text(f"{os.getpid()} {socket.gethostname()} {mine}\n")  # the same process: held
    with pytest.raises(ScenarioError, match=f"pid {os.getpid()} on"):
        StudyLock(tmp_path, "sweep").__enter__()


def test_an_empty_lock_is_taken_for_one_being_written_until_it_is_old(tmp_path):
    lock = tmp_path / "sweep.lock"
    lock.write_text("")
    with pytest.raises(ScenarioError, match="still writing its lock") as error:
        StudyLock(tmp_path, "sweep").__enter__()
    assert "\n" not in str(error.value)
    old = time.time() - results.UNREADABLE_LOCK_GRACE_S - 5
    os.utime(lock, (old, old))
    with StudyLock(tmp_path, "sweep"):
        assert lock.read_text().split()[0] == str(os.getpid())
    assert not lock.exists()


# ----------------------------------------------------------------------------- the parent, a worker


@pytest.mark.slow
@LINUX
def test_kill_the_parent_of_a_sweep_then_rerun(tmp_path):
    """SIGKILL to the sweep process alone (not its group): its workers die with it,
    and the rerun adds exactly the missing runs."""
    path = write_sweep(tmp_path, values=range(0, 40, 2), replicates=3)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out), "--workers", "2"]
    parent = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait_for(lambda: (_parts(out) >= 3 and len(_children(parent.pid)) >= 2) or parent.poll() is not None)
        workers = _children(parent.pid)
        assert parent.poll() is None, "the sweep ended before it could be killed"
        parent.kill()
        parent.wait()
    finally:
        parent.kill()
        parent.wait()
    assert workers and _wait_for(lambda: not any(_alive(w) for w in workers), 30), "workers outlived their parent"
    assert not (out / "sweep.parquet").exists()  # it really was cut short
    again = subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert "already done" in again.stdout
    assert_same_rows(out, reference_rows(path, tmp_path / "reference"))


@pytest.mark.slow
@LINUX
def test_kill_a_worker_of_a_sweep(tmp_path):
    """A worker killed from outside (as the out-of-memory killer would) costs nothing:
    the runs it held are rerun alone and succeed, and the sweep finishes."""
    path = write_sweep(tmp_path, values=range(0, 40, 2), replicates=3)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out), "--workers", "2"]
    parent = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: (_parts(out) >= 2 and len(_children(parent.pid)) >= 2) or parent.poll() is not None)
        victim = _children(parent.pid)[0]
        os.kill(victim, signal.SIGKILL)
        stdout, stderr = parent.communicate(timeout=300)
    finally:
        parent.kill()
        parent.wait()
    assert parent.returncode == 0, stderr
    assert "0 failed" in stdout
    assert_same_rows(out, reference_rows(path, tmp_path / "reference"))
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and "0 run now" in again.stdout, again.output


# ----------------------------------------------------------------------------- the Dask scheduler






@pytest.mark.slow
@LINUX
def test_kill_the_dask_scheduler_mid_sweep_then_rerun(tmp_path):
    """A `dask scheduler` on 127.0.0.1 with one worker; killed once runs are saved:
    the sweep stops with one line, and the rerun (on the local pool) finishes it."""
    path = write_sweep(tmp_path, values=range(0, 40, 2), replicates=2)
    out = tmp_path / "out"
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    worker = sweep = None
    try:
        assert _wait_for(lambda: _listening(port), 60)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                   "--no-dashboard", "--host", "127.0.0.1"], cwd=ROOT, env=_env(),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        command = [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out), "--scheduler", address]
        sweep = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert _wait_for(lambda: _parts(out) >= 2 or sweep.poll() is not None, 120)
        scheduler.kill()
        _, stderr = sweep.communicate(timeout=120)
    finally:
        for process in (sweep, worker, scheduler):
            if process is not None:
                process.kill()
                process.wait()
    assert sweep.returncode == 2, stderr
    lines = stderr.strip().splitlines()
    # the whole stderr on failure: once, under load, its last line was distributed's "TimeoutError: Timeout"
    assert lines[-1].startswith("error: ") and "lost the Dask scheduler" in lines[-1] and "Traceback" not in stderr, stderr
    assert not (out / "sweep.parquet").exists() and not (out / "sweep.lock").exists()
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "local", "--workers", "2"])
    assert again.exit_code == 0 and "already done" in again.stdout, again.output
    assert_same_rows(out, reference_rows(path, tmp_path / "reference"))


@pytest.mark.slow
@LINUX
def test_ctrl_c_on_a_sweep_on_a_local_dask_cluster_is_quiet_then_the_rerun_resumes(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) once runs are
    saved: "interrupted" and how to resume, exit 130, and nothing after it; the resource
    tracker printed "There appear to be 12 leaked semaphore objects" when the local
    cluster's nanny queues were still alive as the command left. The rerun resumes. The
    sweep is long enough that the signal lands while it runs: 1,200 runs finished within
    the moment between the first saved part and the signal once a point's values were
    applied faster ("interrupted as the command finished", exit 0)."""
    path = write_sweep(tmp_path, values=range(0, 1200, 2), replicates=6)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulator", "sweep", str(path), "--out", str(out), "--executor", "dask",
               "--workers", "2"]
    sweep = subprocess.Popen(command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)
    try:
        assert _wait_for(lambda: _parts(out) >= 1 or sweep.poll() is not None, 120)
        assert sweep.poll() is None, "the sweep ended before it could be interrupted"
        os.killpg(sweep.pid, signal.SIGINT)
        _, stderr = sweep.communicate(timeout=120)   # the tracker holds stderr open until it has cleaned up
    finally:
        sweep.kill()
        sweep.wait()
    assert sweep.returncode == 130, stderr
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("interrupted: ") and "rerun the same command to resume" in lines[-1], stderr
    assert "leaked semaphore" not in stderr and "Traceback" not in stderr and "Warning" not in stderr, stderr
    assert not (out / "sweep.parquet").exists() and not (out / "sweep.lock").exists()
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "local", "--workers", "2"])
    assert again.exit_code == 0 and "already done" in again.stdout, again.output


# ----------------------------------------------------------------------------- the disk fills up


def _fill_disk_on(monkeypatch, method: str, after: int, error: int = errno.ENOSPC) -> list[Path]:
    """Make the ``after``-th call (1-based) of ``pandas.DataFrame.<method>`` write half
    of its bytes, then fail as a full (or read-only) disk does. Returns the paths it cut."""
    real = getattr(pd.DataFrame, method)
    calls, cut = [0], []

    def filling(frame, path, *args, **kwargs):
        calls[0] += 1
        if calls[0] != after:
            return real(frame, path, *args, **kwargs)
        real(frame, path, *args, **kwargs)
        data = Path(path).read_bytes()
        Path(path).write_bytes(data[: len(data) // 2])
        cut.append(Path(path))
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr(pd.DataFrame, method, filling)
    return cut


def _hidden_leftovers(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*") if p.suffix in (".tmp", ".partial")
                  or p.name.endswith(".partial"))


def test_the_disk_fills_up_mid_sweep_then_the_rerun_completes(tmp_path, monkeypatch):
    path = write_sweep(tmp_path, values=(0, 10, 20), replicates=2)
    out = tmp_path / "out"
    cut = _fill_disk_on(monkeypatch, "to_parquet", after=3)  # the third part file
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                          "No space left on device", "--out")
    assert str(out / "runs" / "part-000003.parquet") in line  # the file it was writing, not the temporary
    assert cut and not cut[0].exists() and _hidden_leftovers(out) == []
    assert _parts(out) == 2 and not (out / "sweep.lock").exists()
    monkeypatch.undo()
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and "2 of 6 runs already done" in again.stdout, again.output
    assert_same_rows(out, reference_rows(path, tmp_path / "reference"))


def test_a_disk_turned_read_only_mid_sweep_is_one_line_though_the_lock_cannot_be_removed(tmp_path, monkeypatch):
    """A disk remounted read-only under a running sweep refuses the next part file and
    then the removal of sweep.lock too: that second refusal came out as a traceback
    (exit 1) in place of the one line naming the part file. The lock stays; its pid is
    gone once the command has exited, so the rerun takes it over."""
    path = write_sweep(tmp_path, values=(0, 10, 20), replicates=2)
    out = tmp_path / "out"
    _fill_disk_on(monkeypatch, "to_parquet", after=3, error=errno.EROFS)
    real_unlink = Path.unlink

    def read_only_unlink(self, *args, **kwargs):
        if self.name == "sweep.lock":
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(self))
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", read_only_unlink)
    line = one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                          "Read-only file system")
    assert str(out / "runs" / "part-000003.parquet") in line and _parts(out) == 2


def test_the_disk_fills_up_while_the_sweep_writes_its_tables(tmp_path, monkeypatch):
    """After the runs, while sweep.csv is written: the runs are all kept, and the rerun
    only writes the tables."""
    path = write_sweep(tmp_path, values=(0, 10), replicates=2)
    out = tmp_path / "out"
    _fill_disk_on(monkeypatch, "to_csv", after=1)
    one_line_error(runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]),
                   str(out / "sweep.csv"), "No space left on device")
    assert not (out / "sweep.csv").exists() and _hidden_leftovers(out) == [] and not (out / "sweep.lock").exists()
    monkeypatch.undo()
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"])
    assert again.exit_code == 0 and "0 run now, 4 already done" in again.stdout, again.output
    assert_same_rows(out, reference_rows(path, tmp_path / "reference"))


def _scenario(folder: Path, name: str, reward: int = 10) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({**BASE, "name": name, "program": {"incentive": {
        "kind": "double_sided", "referrer_reward": reward, "referee_reward": 10, "qualification_days": 7}}}))
    return path


@pytest.mark.parametrize("command", ["run", "compare"])
@pytest.mark.parametrize("error, words", [(errno.ENOSPC, "No space left on device); free some space"),
                                          # a read-only disk was told to "free some space"
                                          (errno.EROFS, "Read-only file system); make the disk writable")])
def test_a_full_or_read_only_disk_while_writing_results_is_one_line_and_leaves_nothing(tmp_path, monkeypatch, command,
                                                                                       error, words):
    inputs = tmp_path / "in"
    inputs.mkdir()
    files = [_scenario(inputs, "a")] + ([_scenario(inputs, "b", 20)] if command == "compare" else [])
    out = tmp_path / "results" / "out"
    _fill_disk_on(monkeypatch, "to_csv", after=2, error=error)
    line = one_line_error(runner.invoke(app, [command, *map(str, files), "--out", str(out), "--workers", "1"]), words)
    assert str(tmp_path / "results") in line and line.count(".csv") == 1  # names the results file it was writing
    assert list((tmp_path / "results").iterdir()) == []  # no results folder, no .partial staging folder
    monkeypatch.undo()
    again = runner.invoke(app, [command, *map(str, files), "--out", str(out), "--workers", "1"])
    assert again.exit_code == 0, again.output
    assert (out / "report.md").is_file() and [p.name for p in (tmp_path / "results").iterdir()] == ["out"]


def _file_size_limit(limit: int):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing the process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@LINUX
def test_a_real_write_failure_from_the_kernel_is_one_line(tmp_path):
    """No mock: the file-size limit (RLIMIT_FSIZE) makes the kernel refuse a write, as
    a full disk does; `refsim run` says so in one line, exit 2, and stages nothing."""
    scenario = _scenario(tmp_path, "a")
    out = tmp_path / "results" / "out"
    (tmp_path / "results").mkdir()
    done = subprocess.run([sys.executable, "-m", "simulator", "run", str(scenario), "--out", str(out), "--workers", "1"],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=120,
                          preexec_fn=_file_size_limit(2000))
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[-1].startswith("error: ") and "File too large" in lines[-1] and "Traceback" not in done.stderr, done.stderr
    assert list((tmp_path / "results").iterdir()) == []


# ----------------------------------------------------------------------------- the decision commands' folders


def test_an_edge_list_changed_under_an_optimize_study_is_refused(tmp_path):
    """`refsim optimize` keeps its study in a folder it resumes (results.open_study):
    the bytes of the edge list are part of it, as for sweeps."""
    edges = tmp_path / "ring.txt"
    edges.write_text("".join(f"{i} {(i + 1) % 150}\n" for i in range(150)))
    scenario = tmp_path / "ring.yaml"
    scenario.write_text(yaml.safe_dump({**{k: v for k, v in BASE.items() if k not in ("population", "network")},
                                        "population": {"initial_customers": 6},
                                        "network": {"kind": "edgelist", "path": "ring.txt"}}))
    settings = tmp_path / "optimize.yaml"
    settings.write_text(yaml.safe_dump({"max_replicates": 2, "batch": 1, "confirm_replicates": 2, "startup_trials": 2}))
    out = tmp_path / "opt"
    command = ["optimize", str(scenario), "--vary", "program.incentive.referrer_reward=0:40", "--objective",
               "cumulative_profit", "--trials", "2", "--replicates", "2", "--seed", "5", "--settings", str(settings),
               "--out", str(out), "--executor", "serial"]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert json_state(out / "optimize.json")["inputs"] == {str(edges.resolve()): hashlib.sha256(edges.read_bytes()).hexdigest()}
    edges.write_text(edges.read_text() + "0 75\n")
    one_line_error(runner.invoke(app, command), str(edges.resolve()), "has changed since this optimize started", "--force")


def json_state(path: Path) -> dict:
    import json

    return json.loads(path.read_text())


def test_a_sweep_interrupted_while_writing_its_tables_keeps_a_consistent_folder(tmp_path, monkeypatch):
    """The tables, plots, report and manifest were written in place one by one: an
    interrupt after sweep.csv left a grown sweep's new rows beside the old report and
    manifest, with a bare 'interrupted'. They are now staged and moved into place with
    the manifest last: an interrupt leaves the old set whole and says the runs are saved;
    the rerun writes the new set; a staging folder left by a kill is removed."""
    import simulator.report.plots as plots

    path = write_sweep(tmp_path, values=(0, 10), replicates=1)
    out = tmp_path / "out"
    assert runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial"]).exit_code == 0
    (out / ".outputs.left-by-a-kill").mkdir()   # as SIGKILL mid-write would leave it
    (out / ".payback_day.png.abc.tmp").write_text("half")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(plots, "sweep_metric", interrupted)
    grown = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--replicates", "2"])
    assert grown.exit_code == 130, grown.output
    assert "interrupted while writing the tables and plots: all 4 runs are saved" in " ".join(grown.stderr.split())
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sweep"]["runs"] == 2 == len(pd.read_csv(out / "sweep.csv"))   # the old set, whole
    assert "2 points × 1 replicate = 2 runs" in (out / "report.md").read_text()
    assert _hidden_leftovers(out) == [] and not list(out.glob(".outputs.*"))
    monkeypatch.undo()
    again = runner.invoke(app, ["sweep", str(path), "--out", str(out), "--executor", "serial", "--replicates", "2"])
    assert again.exit_code == 0 and "0 run now, 4 already done" in again.stdout, again.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["sweep"]["runs"] == 4 == len(pd.read_csv(out / "sweep.csv"))
    assert not list(out.glob(".outputs.*")) and not list(out.glob(".*.tmp"))


def test_sigterm_to_a_sweep_exits_143_as_documented(tmp_path, monkeypatch):
    """The sweep command caught the interrupt itself and exited 130 for SIGTERM too;
    docs/reliability.md promises 143 (128 + 15) for SIGTERM, 130 for Ctrl-C."""
    import simulator.sweep as sweep_module
    from simulator.lifecycle import Terminated

    path = write_sweep(tmp_path, values=(0, 10), replicates=1)
    for stop, code in ((Terminated, 143), (KeyboardInterrupt, 130)):
        def stopped(*args, **kwargs):
            raise stop()

        monkeypatch.setattr(sweep_module, "execute_sweep", stopped)
        result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / f"out{code}"), "--executor", "serial"])
        assert result.exit_code == code and "rerun the same command to resume" in result.stderr, result.output


def test_a_sweep_whose_every_run_failed_exits_non_zero(tmp_path, monkeypatch):
    """Every run failing (here each run raises) exited 0 with a report of nothing. It
    now says so and exits 1, giving the first error. Values valid one at a time but not
    together on a small grid (more first customers than people) are refused before any
    run, in one line."""
    import simulator.sweep as sweep_module

    spec = {"base": BASE, "method": "grid", "replicates": 1, "seed": 11,
            "parameters": {"population.size": {"values": [100]}, "population.initial_customers": {"values": [150]}}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "none"), "--executor", "serial"])
    assert result.exit_code == 2 and "no point of the grid fits the base scenario" in result.stderr, result.output
    assert "initial_customers" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "none").exists()

    def broken(*args, **kwargs):
        raise RuntimeError("the run broke")

    monkeypatch.setattr(sweep_module, "run_replicate", broken)
    spec["parameters"] = {"population.initial_customers": {"values": [5, 6]}}
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 1, result.output
    assert "every run failed; the first error:" in result.stderr and "the run broke" in result.stderr
    assert (tmp_path / "out" / "sweep.csv").is_file()   # the failed rows are kept, with their errors


def test_an_interrupt_inside_compiled_code_stops_the_sweep_instead_of_failing_a_run(monkeypatch):
    """Ctrl-C or SIGTERM that lands while numba code runs comes back as a SystemError
    ('returned a result with an exception set') raised from the KeyboardInterrupt; the
    serial executor recorded it as a failed run and went on to exit 0, and a resume never
    retried it. The run now re-raises the interrupt; any other error is still a failed run."""
    import simulator.sweep as sweep_module
    from simulator.sweep import SweepBatch, run_point

    def interrupted(*args, **kwargs):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as stop:
            raise SystemError("CPUDispatcher(<function run_days>) returned a result with an exception set") from stop

    base = {"name": "tiny", "days": 5, "population": {"size": 200, "initial_customers": 5}}
    batch = SweepBatch(base, "tiny.yaml", None, ("customers_final",), False, ())
    monkeypatch.setattr(sweep_module, "run_replicate", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_point(batch, 0, 0, {}, 0, 7)

    def broken(*args, **kwargs):
        raise SystemError("something else")

    monkeypatch.setattr(sweep_module, "run_replicate", broken)
    row = run_point(batch, 0, 0, {}, 0, 7)
    assert row["status"] == "failed" and row["error"] == "SystemError: something else"


def test_a_damaged_folder_is_a_one_line_error_and_deleting_the_part_redoes_its_runs(tmp_path):
    """A part file left empty or cut short (a disk or machine that failed as it was
    written) or a state file that is not JSON crashed a resume with a pyarrow or
    AttributeError traceback. Each is one line naming the file and what to do; after
    deleting the damaged part, the same command redoes its runs and the sweep's rows
    are those of an uninterrupted sweep."""
    path = write_sweep(tmp_path)
    reference = reference_rows(path, tmp_path / "reference")
    out = tmp_path / "out"
    sweep = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, sweep).exit_code == 0
    parts = sorted((out / "runs").glob("part-*.parquet"))
    damaged = parts[len(parts) // 2]
    kept = damaged.read_bytes()
    for broken in (b"", kept[: len(kept) // 2]):
        damaged.write_bytes(broken)
        one_line_error(runner.invoke(app, sweep), damaged.name, "delete it", "--force")
    damaged.unlink()
    assert runner.invoke(app, sweep).exit_code == 0
    assert_same_rows(out, reference)
    state = out / "sweep.json"
    for text in ("{bad json", "[1, 2]"):
        state.write_text(text)
        one_line_error(runner.invoke(app, sweep), "sweep.json", "--force")
    assert runner.invoke(app, [*sweep, "--force"]).exit_code == 0
    assert_same_rows(out, reference)


def test_a_copied_part_file_is_a_one_line_error_and_removing_it_resumes(tmp_path):
    """A part file copied into runs/ under a part's name (part-009999.parquet) ended in a
    RuntimeError traceback advising --force, which throws every run away; one a file
    manager named 'part-000007 (copy).parquet' in a ValueError. Each is one line naming
    the file and saying to remove it; after removing it, the same command resumes and
    the rows are those of an uninterrupted sweep. So is a part holding a point the sweep
    does not have, or one of its points run from another seed or at other values."""
    path = write_sweep(tmp_path, values=(0, 2, 4))
    reference = reference_rows(path, tmp_path / "reference")
    out = tmp_path / "out"
    sweep = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, sweep).exit_code == 0
    first = sorted((out / "runs").glob("part-*.parquet"))[0]
    for name, words in (("part-009999.parquet", ("part-009999.parquet holds a run that", first.name, "remove the copy")),
                        ("part-000007 (copy).parquet", ("part-000007 (copy).parquet is not a part file", "remove it"))):
        copy = out / "runs" / name
        copy.write_bytes(first.read_bytes())
        one_line_error(runner.invoke(app, sweep), *words)
        copy.unlink()
        assert runner.invoke(app, sweep).exit_code == 0
        assert_same_rows(out, reference)
    # a part of a point this sweep does not have (copied from a grown folder): a RuntimeError traceback advising
    # --force, and --dry-run said "-2 would run"; now one line naming it, for the run and for the dry run
    foreign = out / "runs" / "part-000900.parquet"
    pd.read_parquet(first).assign(point_id=10).to_parquet(foreign)
    for command in (sweep, [*sweep, "--dry-run"]):
        one_line_error(runner.invoke(app, command), "part-000900.parquet holds a run of point 10, and this study has "
                                                    "points 0 to 2", "remove it")
    foreign.unlink()
    assert runner.invoke(app, sweep).exit_code == 0
    assert_same_rows(out, reference)
    # a part of another sweep's run at a point and replicate this sweep has too, standing in for a lost part: taken
    # as this sweep's, sweep.csv labelled a run made at another reward (or from another seed) as one of its own
    frame = pd.read_parquet(first)
    (lost,) = [part for part in (out / "runs").glob("part-*.parquet")
               if set(zip(pd.read_parquet(part)["point_id"], pd.read_parquet(part)["replicate"]))
               == set(zip(frame["point_id"], frame["replicate"]))]
    lost.unlink()
    for name, changed, words in (("part-000901.parquet", {"seed": frame["seed"] + 1}, "seed"),
                                 ("part-000902.parquet", {"program.incentive.referrer_reward": 5.0},
                                  "program.incentive.referrer_reward 5.0 where this sweep's point has")):
        stand_in = out / "runs" / name
        frame.assign(**changed).to_parquet(stand_in)
        for command in (sweep, [*sweep, "--dry-run"]):
            one_line_error(runner.invoke(app, command), f"{name} holds a run of point", words, "not this sweep's")
        stand_in.unlink()
    assert runner.invoke(app, sweep).exit_code == 0   # the lost runs are run again
    assert_same_rows(out, reference)


def test_a_finished_runs_part_reaches_the_disk_before_it_is_renamed_into_place(tmp_path, monkeypatch):
    """RunStore.append writes durably (atomic_write's docstring): the part's bytes are
    fsynced before the rename, so a power cut after the rename leaves the whole part,
    not an empty file under its name that resume would count as done. Watched through
    os.fsync and os.replace: the file fsynced is the very file (same inode) renamed to
    part-000001.parquet, and the fsync comes first. Nothing on disk shows the
    difference without a power cut, so no other test noticed a write without it."""
    events = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd):
        events.append(("fsync", os.fstat(fd).st_ino))
        return real_fsync(fd)

    def replace(src, dst, *args, **kwargs):
        events.append(("replace", os.stat(src).st_ino, Path(dst).name))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(results.os, "fsync", fsync)
    monkeypatch.setattr(results.os, "replace", replace)
    part = results.RunStore(tmp_path).append([{"point_id": 0, "replicate": 0, "run_id": 0, "status": "ok"}])
    assert part.name == "part-000001.parquet"
    renamed = [e for e in events if e[0] == "replace" and e[2] == part.name]
    assert len(renamed) == 1, events
    inode = renamed[0][1]
    assert ("fsync", inode) in events[: events.index(renamed[0])], events


def test_results_files_get_the_permissions_any_new_file_gets(tmp_path):
    """atomic_write goes through mkstemp, whose file is private (0600); it sets the mode a
    plain open() would give (0666 less the umask), so that a shared results folder stays
    readable by the group as every other file written there. Reference: a file written
    with open() under the same umask."""
    old = os.umask(0o022)
    try:
        plain = tmp_path / "plain.txt"
        plain.write_text("x")
        written = results.atomic_write_text(tmp_path / "report.md", "x")
    finally:
        os.umask(old)
    mode = written.stat().st_mode & 0o777
    assert mode == plain.stat().st_mode & 0o777 == 0o644


def test_a_part_cut_short_by_a_kill_is_cleared_when_the_store_reopens(tmp_path):
    """A worker killed between mkstemp and the rename leaves a hidden
    ``.part-….parquet.….tmp`` in runs/ (no except clause runs under SIGKILL). RunStore
    removes such leftovers when it opens the folder again (its docstring: "a write cut
    short by a kill"), keeps every finished part and numbers the next one after them.
    The disk-full tests never leave one (the except clause removes it), so a store that
    stopped clearing them went unnoticed and each kill left a file behind for good."""
    first = results.RunStore(tmp_path).append([{"point_id": 0, "replicate": 0, "run_id": 0, "status": "ok"}])
    leftover = first.parent / ".part-000002.parquet.k1ll3d.tmp"
    leftover.write_bytes(b"PAR1 half a file")
    store = results.RunStore(tmp_path)
    assert not leftover.exists() and _hidden_leftovers(tmp_path) == []
    assert store.parts() == [first] and store.done() == {(0, 0)}
    assert store.append([{"point_id": 0, "replicate": 1, "run_id": 1, "status": "ok"}]).name == "part-000002.parquet"


def test_a_sweep_without_a_seed_resumes_on_the_seed_it_drew_first(tmp_path, monkeypatch):
    """A sweep with no seed (nor one in its base scenario) draws one and stores it in
    sweep.json; open_study's docstring: "the stored seed wins afterwards, so a drawn
    seed survives a resume". The draws are fixed here (101, then 202): after the first
    part's runs are deleted, the rerun draws 202, yet redoes those runs on the stored
    101, so the rows are the first run's, seed column included. Every other resume test
    gives its sweep a seed, so a resume that took the fresh draw instead (mixing two
    sweeps' runs in one folder) passed them all."""
    import simulator.sweep as sweep_module

    draws = iter([101, 202])
    monkeypatch.setattr(sweep_module, "draw_seed", lambda: next(draws))
    path = write_sweep(tmp_path, values=(0, 10, 20))
    spec = yaml.safe_load(path.read_text())
    del spec["seed"], spec["base"]["seed"]   # neither the sweep nor its base scenario gives one: it is drawn
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    out = tmp_path / "out"
    sweep = ["sweep", str(path), "--out", str(out), "--executor", "serial"]
    assert runner.invoke(app, sweep).exit_code == 0
    first = pd.read_parquet(out / "sweep.parquet")
    drawn = json.loads((out / "sweep.json").read_text())["sweep_seed"]
    assert drawn == 101
    parts = sorted((out / "runs").glob("part-*.parquet"))
    parts[0].unlink()
    again = runner.invoke(app, sweep)
    assert again.exit_code == 0 and "already done" in again.stdout, again.output
    assert next(draws, None) is None   # the rerun drew its own seed too
    assert json.loads((out / "sweep.json").read_text())["sweep_seed"] == drawn
    pd.testing.assert_frame_equal(pd.read_parquet(out / "sweep.parquet"), first)


@pytest.fixture
def clean_stops():
    """The command line's own signal handlers (lifecycle.stop_cleanly_on_sigterm), as
    `refsim` installs them, and this process's own back afterwards."""
    import simulator.lifecycle as lifecycle

    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    lifecycle.stop_cleanly_on_sigterm()
    yield
    signal.signal(signal.SIGTERM, before[0])
    signal.signal(signal.SIGINT, before[1])
    sys.unraisablehook = lifecycle._quiet_stops.passed_on
    lifecycle._asked.clear()


class _KilledWhileCollected:
    """An object whose collection sends this process SIGTERM: the handler then raises
    inside ``__del__``, where Python prints "Exception ignored" and drops the exception
    (a sweep killed as its plots' objects were collected went on and exited 0)."""

    def __del__(self):
        os.kill(os.getpid(), signal.SIGTERM)
        for _ in range(10_000):   # the handler runs at the next check, still inside __del__
            pass


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")   # 'Exception ignored' printed
def test_a_stop_dropped_inside_a_collection_callback_still_ends_the_command_as_stopped(tmp_path, monkeypatch, clean_stops):
    import simulator.report as report

    written = report.write_sweep

    def collected_while_writing(*args, **kwargs):
        written(*args, **kwargs)
        _KilledWhileCollected()   # collected at once: SIGTERM inside its __del__

    monkeypatch.setattr(report, "write_sweep", collected_while_writing)
    path = write_sweep(tmp_path, values=(0, 10), replicates=1)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"])
    assert result.exit_code == 143, result.output   # 128 + SIGTERM, as the stop asked; it was 0
    assert result.stderr.rstrip().splitlines()[-1].startswith("interrupted"), result.stderr
    assert "Exception ignored" not in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert (tmp_path / "out" / "sweep.csv").exists()   # the command had finished its work


def test_a_stop_a_library_turns_into_another_error_ends_as_interrupted_not_a_traceback(tmp_path, monkeypatch, clean_stops):
    """SIGTERM inside matplotlib's drawing came out as "ValueError: Invalid affine
    transformation matrix": a traceback and exit 1. It is the stop: the one line a stop
    while writing gives, exit 143, and the rerun writes the tables."""
    import simulator.report as report

    def drawing(*args, **kwargs):
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            for _ in range(10_000):
                pass
        except KeyboardInterrupt:
            raise ValueError("Invalid affine transformation matrix") from None

    path = write_sweep(tmp_path, values=(0, 10), replicates=1)
    command = ["sweep", str(path), "--out", str(tmp_path / "out"), "--executor", "serial"]
    with monkeypatch.context() as patch:
        patch.setattr(report, "write_sweep", drawing)
        result = runner.invoke(app, command)
    assert result.exit_code == 143, result.output
    assert "Traceback" not in result.output and "ValueError" not in result.output
    assert result.stderr.rstrip().splitlines()[-1].startswith("interrupted while writing the tables and plots")
    import simulator.lifecycle as lifecycle

    lifecycle.stop_cleanly_on_sigterm()   # a new command in a new process: no stop asked yet
    again = runner.invoke(app, command)
    assert again.exit_code == 0 and (tmp_path / "out" / "sweep.csv").exists(), again.output


def test_a_stop_after_the_last_run_says_only_the_tables_are_left_to_write(tmp_path, monkeypatch):
    """SIGTERM as the last runs were gathered said '300 of 300 runs are saved ...; rerun
    the same command to resume', where nothing was left to run; a stop before then still
    says how many of how many."""
    import simulator.sweep as sweep_module

    def stopped_after(ran: int, total: int = 4):
        def execute(loaded, target, *, on_start, progress, **_):
            on_start(total, 0)
            progress(ran, 0)
            raise KeyboardInterrupt
        return execute

    path = write_sweep(tmp_path, values=(0, 10), replicates=2)
    # counts with thousands separators, as the lines before it write them ('0 of 3000000 runs')
    for ran, total, expected in ((4, 4, "interrupted: all 4 runs are saved in"),
                                 (3, 4, "interrupted: 3 of 4 runs are saved in"),
                                 (1200, 3_000_000, "interrupted: 1,200 of 3,000,000 runs are saved in")):
        monkeypatch.setattr(sweep_module, "execute_sweep", stopped_after(ran, total))
        result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / f"out{ran}"), "--executor", "serial"])
        assert result.exit_code == 130 and expected in " ".join(result.stderr.split()), result.output
        assert ("to write the tables and plots" in result.stderr) == (ran == total), result.stderr
    # stopped before the sweep counted its folder's runs (the lock taken, nothing started): '0 of 0 runs are saved'
    # was said of a folder holding every run of the sweep, as if the work were lost
    def stopped_first(loaded, target, **_):
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_module, "execute_sweep", stopped_first)
    result = runner.invoke(app, ["sweep", str(path), "--out", str(tmp_path / "out0"), "--executor", "serial"])
    said = " ".join(result.stderr.split())
    assert result.exit_code == 130 and "0 of 0" not in said, result.output
    assert f"interrupted before the runs started; the runs already in {tmp_path / 'out0'}/runs are kept" in said, said
