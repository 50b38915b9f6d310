"""Fault injection on the executors and the command line: a worker killed mid-task,
the parent killed by SIGKILL or stopped by SIGTERM, and Dask addresses that are
not schedulers. Each must end in a result, a recorded failure or one line, and
leave no process or staging folder behind."""

from __future__ import annotations

import http.server
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from simulator.errors import ScenarioError
from simulator.executors import _identify, check_scheduler, run_tasks
from simulator.lifecycle import TERMINATED_EXIT, Terminated, stop_cleanly_on_sigterm

from .processes import free_port as _free_port, listening as _listening, wait_for as _wait_for

ROOT = Path(__file__).resolve().parents[1]
POISON = 7


def _poisoned(x: int) -> int:
    """Kills its own worker on the poisoned value, as the out-of-memory killer would."""
    if x == POISON:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.01)
    return x


def _poisoned_batch(batch: tuple[int, ...]) -> list[int]:
    return [_poisoned(x) for x in batch]


def test_a_killed_worker_costs_only_its_own_task():
    lost = []
    results = list(run_tasks(_poisoned, range(30), executor="local", workers=2,
                             on_lost=lambda task, why: lost.append((task, why)) or "lost"))
    assert sorted(r for r in results if r != "lost") == [x for x in range(30) if x != POISON]
    assert results.count("lost") == 1
    # the reason names the signal once the dead worker is reaped; the pool may notice first
    assert lost[0][0] == POISON and ("SIGKILL" in lost[0][1] or "ended unexpectedly" in lost[0][1]), lost


def test_a_batch_with_a_poisoned_run_is_split_and_only_that_run_is_lost():
    batches = [tuple(range(i, i + 5)) for i in range(0, 20, 5)]
    results = list(run_tasks(_poisoned_batch, batches, executor="local", workers=2,
                             split=lambda batch: [(x,) for x in batch],
                             on_lost=lambda task, why: [("lost", *task)]))
    flat = sorted((r for batch in results for r in batch), key=str)
    assert ("lost", POISON) in flat
    assert sorted(r for r in flat if not isinstance(r, tuple)) == [x for x in range(20) if x != POISON]


def test_without_a_failure_handler_a_lost_task_is_one_line():
    with pytest.raises(ScenarioError, match="a worker process died") as error:
        list(run_tasks(_poisoned, range(10), executor="local", workers=2))
    assert "\n" not in str(error.value)


def test_the_pool_never_starts_more_workers_than_tasks():
    import multiprocessing

    seen = set()
    for pid in run_tasks(_pid, range(3), executor="local", workers=16):
        seen.add(pid)
    assert 1 <= len(seen) <= 3
    assert not multiprocessing.active_children()


def _pid(_: int) -> int:
    time.sleep(0.05)
    return os.getpid()


# ----------------------------------------------------------------------------- the parent dies


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found += [int(c) for c in text.split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"




PARENT = """
import time
from simulator.executors import run_tasks
from tests.test_faults import _sleepy
for _ in run_tasks(_sleepy, range(8), executor="local", workers=2):
    pass
"""


def _sleepy(x: int) -> int:
    time.sleep(120)
    return x


def _half_a_result(marker: str) -> None:
    """In a pool worker: write the start of a result message (a length of 1,000 bytes and
    one byte of it) to the pool's result pipe, as a worker ended mid-write leaves it, then wait."""
    import struct

    frame = sys._getframe()
    while frame.f_code.co_name != "_process_worker":
        frame = frame.f_back
    writer = frame.f_locals["result_queue"]._writer
    os.write(writer.fileno(), struct.pack("!i", 1000) + b"x")
    Path(marker).write_text("written")
    time.sleep(120)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks")
def test_a_pool_stopped_while_a_worker_wrote_a_result_lets_its_manager_thread_end(tmp_path):
    """A worker ended in the middle of writing a result left the pool's manager thread
    waiting for the rest for ever (this process holds the pipe's other end, so no end of
    file came), and the interpreter's exit, which joins that thread, hung. Once every
    worker is gone the stop closes that end: the thread reads the end and finishes,
    failing the tasks still queued behind it (as run_tasks keeps a window of them)
    without a traceback: cancelled first, one made the thread die on InvalidStateError.
    (The 30 s only bound a hang; the thread ends in a moment or never.)"""
    from simulator import executors

    raised = []
    previous, threading.excepthook = threading.excepthook, lambda args: raised.append(args.exc_type.__name__)
    try:
        pool = executors._new_pool(1)
        marker = tmp_path / "written"
        futures = {pool.submit(_half_a_result, str(marker))} | {pool.submit(abs, -i) for i in range(3)}
        assert _wait_for(marker.exists, 60), "the worker never wrote"
        time.sleep(0.2)  # the manager thread has read the length and waits for the body
        manager = pool._executor_manager_thread
        executors._stop_pool(pool, futures)
        manager.join(timeout=30)
    finally:
        threading.excepthook = previous
    assert not manager.is_alive() and raised == []
    assert all(future.done() for future in futures)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_parent(signum):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=ROOT, env=env)
    try:
        assert _wait_for(lambda: len(_children(parent.pid)) >= 2), "the pool never started"
        workers = _children(parent.pid)
        os.kill(parent.pid, signum)
        parent.wait(timeout=60)
        assert _wait_for(lambda: not any(_alive(w) for w in workers), 30), "workers outlived their parent"
    finally:
        parent.kill()
        parent.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_to_refsim_run_stops_cleanly(tmp_path):
    """The console entry point: SIGTERM mid-run exits 143 with one line, no workers
    and no staging folder left."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "simulator", "run", str(ROOT / "scenarios" / "default.yaml"), "--out", str(out),
               "--replicates", "40", "--workers", "2"]
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _wait_for(lambda: len(_children(run.pid)) >= 2), "the pool never started"
        workers = _children(run.pid)
        run.send_signal(signal.SIGTERM)
        _, stderr = run.communicate(timeout=60)
    finally:
        run.kill()
    assert run.returncode == TERMINATED_EXIT, stderr
    assert stderr.strip().splitlines()[-1] == "interrupted" and "Traceback" not in stderr
    assert _wait_for(lambda: not any(_alive(w) for w in workers), 30)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no results, no .partial staging folder


#: A refsim whose command, stopped, leaves what CPython 3.11's process pool left at exit after
#: a worker was ended mid-result: its manager thread blocked for ever on the half-written
#: message, and an exit hook that wakes a thread whose pipe is closed.
_STUCK_POOL = """
import threading
from simulator import cli

def stopped():
    threading.Thread(target=threading.Event().wait).start()  # never ends, not a daemon
    def wake():
        raise OSError(9, "Bad file descriptor")
    threading._register_atexit(wake)
    cli.err.print("interrupted")
    raise SystemExit({code})

cli.app = stopped
cli.main()
"""


@pytest.mark.parametrize("code", [TERMINATED_EXIT, 130])
def test_an_interrupted_refsim_exits_even_when_the_pool_left_a_thread_stuck(code):
    """SIGTERM to `refsim run --workers 2` hung past 90 s once in 12 tries (the pool's
    manager thread, joined at exit, waited for the rest of a result its worker was ended
    while writing) and once printed "OSError: [Errno 9] Bad file descriptor" as its last
    line. After an interrupt the console script now exits at once, with its code and
    "interrupted" last. (The 60 s limit only stops a hang, which lasts for ever.)"""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _STUCK_POOL.format(code=code)], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == code, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "interrupted" and "Traceback" not in done.stderr


#: a command that finishes, then a Ctrl-C (or SIGTERM) arrives while the interpreter shuts down
_SIGNAL_AT_EXIT = """
import atexit, os, signal, time
from simulator import cli

def finished():
    cli.out.print("results: out/")
    raise SystemExit(0)

def late_signal():
    os.kill(os.getpid(), signal.{name})
    time.sleep(5)

atexit.register(late_signal)
cli.app = finished
cli.main()
"""


@pytest.mark.parametrize("name", ["SIGINT", "SIGTERM"])
def test_a_signal_after_the_work_is_done_ends_refsim_without_a_traceback(name):
    """A Ctrl-C as a finished sweep's Dask cluster wound down printed "Exception ignored
    in: <function WeakSet...>" and a traceback after the command's last line. Once the
    command has returned, a signal ends the process as the system does: its output is
    whole, and nothing follows it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _SIGNAL_AT_EXIT.format(name=name)], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == -getattr(signal, name), (done.returncode, done.stderr)
    assert done.stdout.strip().splitlines()[-1] == "results: out/"
    assert done.stderr == ""


#: an interrupted command that leaves with a Dask nanny's queue still alive (under load
#: its worker process is not yet released when the cluster's close returns)
_INTERRUPTED_WITH_A_QUEUE_ALIVE = """
import multiprocessing
from simulator import cli

nanny_queue = multiprocessing.get_context("spawn").Queue()

def interrupted():
    cli.err.print("interrupted")
    raise SystemExit(130)

cli.app = interrupted
cli.main()
"""


def test_an_interrupted_command_leaves_no_semaphore_for_the_resource_tracker():
    """Ctrl-C on `refsim sweep --executor dask` printed "resource_tracker: There appear
    to be 12 leaked semaphore objects" after "interrupted": the command leaves with
    os._exit, skipping the interpreter's shutdown, and with it multiprocessing's release
    of the semaphores that the local cluster's nannies' queues (2 per worker, 3 each)
    still held. Their release still runs; the exit code stays 130."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", _INTERRUPTED_WITH_A_QUEUE_ALIVE], env=env, capture_output=True,
                          text=True, timeout=60)   # the tracker holds stderr open until it has cleaned up
    assert done.returncode == 130, (done.returncode, done.stderr)
    assert done.stderr == "interrupted\n"


def test_sigterm_becomes_terminated_in_the_main_thread():
    previous = signal.getsignal(signal.SIGTERM)
    try:
        stop_cleanly_on_sigterm()
        with pytest.raises(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises before this ends
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN  # a second SIGTERM cannot interrupt the cleanup
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks")
def test_a_forked_child_dies_of_sigterm_instead_of_inheriting_the_clean_stop():
    """A pool worker that the parent stops with SIGTERM while it is still starting must
    die quietly, not raise Terminated in its start-up code (seen under load: "Exception
    in initializer" with a traceback on the user's terminal)."""
    previous = signal.getsignal(signal.SIGTERM)
    try:
        stop_cleanly_on_sigterm()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through its exit status
            os._exit(0 if signal.getsignal(signal.SIGTERM) == signal.SIG_DFL else 1)
        _, status = os.waitpid(child, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        assert signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL  # the parent keeps its clean stop
    finally:
        signal.signal(signal.SIGTERM, previous)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks")
def test_a_sigterm_that_reaches_a_worker_inside_its_fork_hook_still_kills_it():
    """A worker inherits the parent's count of forks in flight, so a SIGTERM that lands in
    its fork hook before the default action is back was deferred, and the worker lived
    on; one a moment later raised Terminated inside the hook (a traceback on the console,
    seen once under load in test_sigterm_to_refsim_run_stops_cleanly). The hook now
    restores the default first and delivers a deferred SIGTERM again."""
    from simulator import lifecycle

    previous = signal.getsignal(signal.SIGTERM)
    try:
        stop_cleanly_on_sigterm()
        child = os.fork()
        if child == 0:  # pragma: no cover - the child reports through how it ended
            signal.signal(signal.SIGTERM, lifecycle._raise_terminated)
            lifecycle._forks.update(in_flight=1, deferred=signal.SIGTERM)  # as if the SIGTERM came during the hook
            lifecycle._after_fork_in_child()
            time.sleep(5)
            os._exit(0)
        _, status = os.waitpid(child, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGTERM, status
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_sigterm_during_a_fork_is_raised_once_the_fork_is_done():
    """Python runs its fork hooks as Python code and drops what they raise: a SIGTERM that
    lands in one would be lost. It waits for the fork, then stops the run as usual."""
    from simulator import lifecycle

    previous = signal.getsignal(signal.SIGTERM)
    try:
        stop_cleanly_on_sigterm()
        lifecycle._before_fork()  # as os.fork() does in the parent
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)  # the handler has run: it noted the signal and returned
        with pytest.raises(Terminated):
            lifecycle._after_fork_in_parent()
            time.sleep(5)  # the signal comes again a moment after the fork
    finally:
        signal.signal(signal.SIGTERM, previous)
        lifecycle._forks.update(in_flight=0, deferred=0)


def test_a_ctrl_c_during_a_fork_is_raised_once_the_fork_is_done():
    """A Ctrl-C pressed as the local pool forked its workers was raised inside a fork hook,
    dropped there, and only read at the end: the sweep ran to its last run (13 s here,
    hours on a real one) and then exited 130. It waits for the fork, as SIGTERM does, and
    then stops the command at once, recorded once."""
    from simulator import lifecycle

    previous = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        stop_cleanly_on_sigterm()
        lifecycle._before_fork()
        try:
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)  # the handler has run: it noted the Ctrl-C and returned, raising nothing in the hook
        except KeyboardInterrupt:
            pytest.fail("the Ctrl-C was raised during the fork, where Python drops it")
        assert lifecycle.stop_asked() is None
        with pytest.raises(KeyboardInterrupt) as raised:
            lifecycle._after_fork_in_parent()
            time.sleep(5)
        assert not isinstance(raised.value, Terminated)
        assert type(lifecycle.stop_asked()) is KeyboardInterrupt and lifecycle._asked == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])
        lifecycle._forks.update(in_flight=0, deferred=0)
        lifecycle.forget_stops()


def test_a_staging_folder_is_removed_when_stopped_while_writing(tmp_path):
    from simulator.results import ResultsFolder

    with pytest.raises(Terminated):
        with ResultsFolder(tmp_path / "out") as folder:
            (folder.path / "timeseries.csv").write_text("half")
            raise Terminated()
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- a scheduler gone at hand-over


class _GoneAtHandOver:
    """A future Dask reported finished whose result then fails as the scheduler goes:
    distributed raises FutureCancelledError, reason "scheduler-connection-lost" (a sweep
    on a killed scheduler once ended in that traceback), or CommClosedError."""

    def __init__(self, error: BaseException):
        self.status, self.error = "finished", error

    def result(self):
        raise self.error


@pytest.mark.parametrize("error", ["cancelled", "closed"])
def test_a_result_lost_with_the_scheduler_at_hand_over_is_one_line(error):
    from distributed.client import FutureCancelledError
    from distributed.comm.core import CommClosedError

    from simulator.executors import _finished_result

    raised = (FutureCancelledError("run-1", "scheduler-connection-lost") if error == "cancelled"
              else CommClosedError("in <TCP (closed)>: Stream is closed"))
    with pytest.raises(ScenarioError) as caught:
        _finished_result(_GoneAtHandOver(raised), "tcp://127.0.0.1:8786")
    said = str(caught.value)
    assert "lost the Dask scheduler at tcp://127.0.0.1:8786 mid-run" in said and "resumes when rerun" in said
    assert "\n" not in said and caught.value.__suppress_context__


def test_a_tasks_own_error_at_hand_over_is_not_called_a_lost_scheduler():
    from simulator.executors import _finished_result

    with pytest.raises(ZeroDivisionError):
        _finished_result(_GoneAtHandOver(ZeroDivisionError("division by zero")), None)


# ----------------------------------------------------------------------------- Dask addresses


def _server(handler) -> int:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handler, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def _silent(conn):
    time.sleep(30)


def _garbage(conn):
    conn.sendall(os.urandom(4096))
    time.sleep(5)


def _http_port() -> int:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


@pytest.mark.parametrize("kind, words", [
    ("silent", "no Dask scheduler answered within"),
    ("garbage", "not Dask's protocol"),
    ("http", "no Dask scheduler answered within"),
    ("refused", "no Dask scheduler reachable"),
    ("tls", "did not answer as a Dask scheduler"),
    ("malformed", "is not a scheduler address"),
])
def test_scheduler_addresses_that_are_not_schedulers_get_one_line(kind, words):
    if kind == "silent":
        address = f"tcp://127.0.0.1:{_server(_silent)}"
    elif kind == "garbage":
        address = f"tcp://127.0.0.1:{_server(_garbage)}"
    elif kind == "http":
        address = f"tcp://127.0.0.1:{_http_port()}"
    elif kind == "tls":
        address = f"tls://127.0.0.1:{_server(_silent)}"
    elif kind == "refused":
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
        probe.close()
    else:
        address = "http://localhost:8787/status"
    with pytest.raises(ScenarioError, match=words) as error:
        check_scheduler(address, timeout=1.0)
    assert error.value.key == "--scheduler" and "\n" not in str(error.value)


def _slowish(x: int) -> int:
    time.sleep(0.3)
    return x


@pytest.mark.slow
def test_a_real_scheduler_without_workers_then_killed_mid_run(tmp_path):
    """A scheduler with no workers is refused; one killed mid-run ends the loop with one line."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
    worker = None
    try:
        assert _wait_for(lambda: _listening(port), 60)
        with pytest.raises(ScenarioError, match="has no workers"):
            check_scheduler(address, timeout=2.0)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                   "--no-dashboard", "--host", "127.0.0.1"], cwd=ROOT,
                                  env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        check_scheduler(address, timeout=30.0)
        got = []
        with pytest.raises(ScenarioError, match="lost the Dask scheduler"):
            for result in run_tasks(_slowish, range(50), executor="dask", scheduler=address):
                got.append(result)
                if len(got) == 2:
                    scheduler.kill()
        assert len(got) < 50
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.kill()
                process.wait()


class CodeCluster:
    """A real Dask scheduler on this computer, and workers started either from this
    checkout or from a copy of the package with one line added (another checkout, or
    uncommitted edits): what the code-digest checks are tested against."""

    def __init__(self, tmp_path: Path):
        import shutil

        self.tmp_path = tmp_path
        self.other = tmp_path / "other"
        shutil.copytree(ROOT / "simulator", self.other / "simulator", ignore=shutil.ignore_patterns("__pycache__"))
        with open(self.other / "simulator" / "metrics.py", "a") as changed:
            changed.write("\n# an edit this process does not have\n")
        self.port = _free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.processes = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                            "--port", str(self.port), "--no-dashboard", "--dashboard-address", "127.0.0.1:0"],
                                           stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL)]
        assert _wait_for(lambda: _listening(self.port), 60)

    def worker(self, odd: bool) -> subprocess.Popen:
        """A worker of this checkout's code, or (``odd``) of the edited copy's. Not started
        from ROOT: `python -m` puts its folder first on the path."""
        path = f"{self.other}{os.pathsep}{ROOT}" if odd else str(ROOT)
        worker = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", self.address, "--nthreads", "1",
                                   "--no-dashboard", "--host", "127.0.0.1"], cwd=self.tmp_path,
                                  env=dict(os.environ, PYTHONPATH=path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.processes.append(worker)
        return worker

    def workers(self) -> int:
        return len(_identify(self.address, 5.0).get("workers", {}))

    def close(self) -> None:
        for process in self.processes:
            process.kill()
            process.wait()


@pytest.fixture
def code_cluster(tmp_path):
    cluster = CodeCluster(tmp_path)
    try:
        yield cluster
    finally:
        cluster.close()


@pytest.mark.slow
def test_workers_running_other_refsim_code_are_refused_in_one_line(code_cluster):
    """A worker started from another checkout (another version, or uncommitted edits)
    ran the sweep and changed its numbers with no word, while the manifest named this
    process's code. A copy of the package with one line added stands for it: refused,
    naming the worker; with a worker of this code alone, the tasks run."""
    address = code_cluster.address
    odd = code_cluster.worker(odd=True)
    check_scheduler(address, timeout=30.0)
    with pytest.raises(ScenarioError, match="1 of the 1 workers .* run other refsim code than this process"):
        list(run_tasks(_slowish, range(3), executor="dask", scheduler=address))
    odd.kill()
    odd.wait()
    assert _wait_for(lambda: code_cluster.workers() == 0, 60)
    code_cluster.worker(odd=False)
    check_scheduler(address, timeout=30.0)
    assert sorted(run_tasks(_slowish, range(3), executor="dask", scheduler=address)) == [0, 1, 2]


@pytest.mark.slow
def test_a_worker_joining_after_the_check_with_other_code_is_refused_in_one_line(code_cluster):
    """The code check asked the workers there at the start; a worker that joined later (an
    adaptive cluster's) ran the remaining tasks on other code with no word. Each task now
    checks the digest where it runs: the good worker retires once the odd one has joined,
    the tasks move to the odd one, and the run stops in one line naming it. The good
    worker is retired, not killed: killed, it could take a finished result with it, and the
    run then stopped on the lost result (a line of its own, tested below) before the odd
    worker ran anything."""
    from distributed import Client

    address = code_cluster.address
    code_cluster.worker(odd=False)
    check_scheduler(address, timeout=30.0)
    assert _wait_for(lambda: code_cluster.workers() == 1, 60)
    (good,) = _identify(address, 5.0)["workers"]
    got = []
    with pytest.raises(ScenarioError, match=r"worker tcp://127\.0\.0\.1:\d+ joined the Dask cluster at .* after the "
                                            r"start and runs other refsim code"):
        for result in run_tasks(_slowish, range(400), executor="dask", scheduler=address):
            got.append(result)
            if len(got) == 1:   # the check has passed: now the odd worker joins and the good one goes
                code_cluster.worker(odd=True)
                assert _wait_for(lambda: code_cluster.workers() == 2, 60)
                with Client(address, timeout=30) as client:
                    client.retire_workers([good], close_workers=True)  # its results move to the odd worker
    assert 1 <= len(got) < 400


@pytest.mark.slow
def test_a_local_cluster_listens_only_on_this_computer():
    ports, environ = list(run_tasks(_listening_sockets, [0], executor="dask", workers=1))[0]
    assert ports and all(host == "127.0.0.1" for host, _ in ports), ports
    # and its workers keep glibc's adaptive allocator (executors._worker_environ), with Dask's other
    # variables, and run with the local cluster's settings (no profiler)
    assert environ == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1", "profile": False,
                       "log_level": [logging.CRITICAL]}, environ


def _listening_sockets(_: int) -> tuple[list[tuple[str, int]], dict]:
    """Listening TCP sockets of this worker, its nanny and the scheduler: the process that
    started the local cluster (the worker's parent, where the scheduler and the nannies
    run) and its children, not its own parent's (with pytest-xdist those are the other
    test workers too, and a scheduler another test had started there was counted), two
    variables of the worker's environment, one of its Dask settings and the level of the
    handler that prints its Dask logs (a worker whose scheduler had gone as Ctrl-C closed it printed "Failed to
    communicate with scheduler during heartbeat" and a traceback on the user's terminal)."""
    import psutil

    mine = {p.pid for p in psutil.Process(os.getppid()).children(recursive=True)} | {os.getppid()}
    found = []
    for conn in psutil.net_connections("tcp"):
        if conn.status == psutil.CONN_LISTEN and conn.pid in mine:
            found.append((conn.laddr.ip, conn.laddr.port))
    import dask

    environ = {name: os.environ.get(name) for name in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}
    return found, {**environ, "profile": dask.config.get("distributed.worker.profile.enabled"),
                   "log_level": [h.level for h in logging.getLogger("distributed").handlers
                                 if isinstance(h, logging.StreamHandler)]}






# ----------------------------------------------------------------------------- a poisoned sweep point


def test_a_sweep_point_that_kills_its_worker_is_a_failed_run_and_the_sweep_finishes(tmp_path, monkeypatch):
    """The forked workers inherit the patched engine call: the point with days = 32
    kills its worker, as one that runs out of memory would. Importing mesa.batchrunner
    first switches the process's default start method to 'spawn'; the pool must still
    fork (it once did not, and this test failed only after the app tests had run)."""
    import mesa.batchrunner  # noqa: F401
    import yaml

    import simulator.sweep as sweep_module
    from simulator.sweep import load_sweep, run_sweep

    real = sweep_module.run_replicate

    def fragile(scenario, *args, **kwargs):
        if scenario.days == 32:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(scenario, *args, **kwargs)

    monkeypatch.setattr(sweep_module, "run_replicate", fragile)
    base = {"name": "tiny", "seed": 3, "days": 30, "replicates": 2,
            "population": {"size": 300, "initial_customers": 5}, "network": {"kind": "erdos_renyi", "mean_degree": 4}}
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump({"base": base, "method": "grid", "parameters": {"days": {"values": [30, 31, 32, 33]}}}))
    outcome = run_sweep(load_sweep(path), tmp_path / "out", workers=2, executor="local")
    assert outcome.runs == 8 and outcome.failed == 2
    import pandas as pd

    rows = pd.read_csv(tmp_path / "out" / "sweep.csv")
    failed = rows[rows["status"] == "failed"]
    assert sorted(failed["days"]) == [32, 32] and failed["error"].str.startswith("WorkerDied").all()
    assert len(rows) == 8 and rows["run_id"].is_unique
    again = run_sweep(load_sweep(path), tmp_path / "out", workers=2, executor="local")
    assert again.ran == 0 and again.skipped == 8  # a resume finds nothing left to run


def test_a_lost_result_is_one_line_and_the_local_cluster_is_closed(monkeypatch):
    """A task whose result was lost (the worker holding it, or the scheduler, went away)
    is the one-line error it says. The message's name for the cluster was kept in the
    variable that held the local cluster, so the cleanup called .close() on a string:
    an AttributeError took the line's place (seen when a remote worker was killed
    mid-run), and the local cluster was left running."""
    from types import SimpleNamespace

    import simulator.executors as executors

    closed = []
    real = executors._next_finished

    def one_lost(running, client, scheduler):
        real(running, client, scheduler)
        closed.append(client)
        return [SimpleNamespace(status="lost")]   # as Dask marks a result whose holder went away

    monkeypatch.setattr(executors, "_next_finished", one_lost)
    with pytest.raises(ScenarioError, match=r"the local Dask cluster lost a task's result mid-run"):
        list(run_tasks(_pid, range(3), executor="dask", workers=1))
    assert closed and closed[0].status == "closed"


_UNGUARDED_DASK = """
from simulator import load_scenario, simulate
scenario = load_scenario({scenario!r}, ["population.size=300", "days=10"])
simulate(scenario, replicates=2, seed=1, executor="dask", workers=2)
"""


def test_a_script_without_a_main_guard_on_a_local_dask_cluster_is_told_why_in_one_line(tmp_path):
    """A local Dask cluster starts each worker by importing the script again: a script
    calling simulate(executor='dask') at its top level started a cluster inside every
    worker and died in about 290 lines of tracebacks from every process, none of them
    refsim's. The workers now leave quietly, and the script's error says why (the
    limit of 120 s only stops a hang)."""
    script = tmp_path / "unguarded.py"
    script.write_text(_UNGUARDED_DASK.format(scenario=str(ROOT / "scenarios" / "default.yaml")))
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("simulator.errors.ScenarioError: executor: the local Dask cluster's workers did not start")
    assert "importing unguarded.py again" in last and 'if __name__ == "__main__":' in last, done.stderr
    assert done.stderr.count("Traceback") == 1, done.stderr   # the script's own, not every worker's


def test_a_local_dask_cluster_that_cannot_start_names_the_workers_own_error(tmp_path):
    """Its first line ("Nanny failed to start.") hid why the workers failed (here a preload
    that is not there), and `refsim` itself was told to guard a script it does not have."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), DASK_DISTRIBUTED__WORKER__PRELOAD='["no_such_module_for_refsim"]')
    done = subprocess.run([sys.executable, "-m", "simulator", "run", str(ROOT / "scenarios" / "default.yaml"), "-r", "2",
                           "--set", "days=5", "--set", "population.size=200", "--executor", "dask", "-w", "2",
                           "--out", str(tmp_path / "out")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == ("error: executor: the local Dask cluster's workers did not start "
                                                    "(ModuleNotFoundError: No module named 'no_such_module_for_refsim')")
