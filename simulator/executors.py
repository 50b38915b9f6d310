"""Where runs execute: in this process (``serial``), in a local process pool
(``local``), or on a Dask cluster (``dask``).

Every executor applies the same function to the same tasks; only the order in
which results come back differs, so callers key each result by its replicate or
run id and sort. A result never depends on scheduling because each task carries
its own seed. At most ``window`` tasks are in flight at any time (a new one is
submitted as one finishes), so the parent's memory stays flat however many runs
a study has.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import itertools
import logging
import os
import re
import signal
import socket
import sys
from pathlib import Path
import threading
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from .errors import ScenarioError
from .quiet_logs import quiet_loggers

EXECUTORS = ("local", "serial", "dask")

#: Seconds to wait for an existing Dask scheduler before giving up with a one-line error.
CONNECT_TIMEOUT_S = 5.0

SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://(?P<host>\[[0-9A-Fa-f:]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$")


def default_workers() -> int:
    return os.cpu_count() or 1


def workers_used(executor: str, workers: int | None, cluster: int | None = None, tasks: int | None = None) -> int:
    """How many workers a command's runs ran on, for its manifest: one for serial, a
    running cluster's own (``cluster``, as :func:`check_scheduler` counted them at the
    start), else those asked for or one per core (a local pool or local Dask cluster),
    no more than its ``tasks`` where known (run_tasks starts no more: one replicate on
    two cores ran in one process)."""
    if executor == "serial":
        return 1
    if cluster is not None:
        return cluster
    count = workers or default_workers()
    return max(1, min(count, tasks)) if tasks else count


def check_executor(executor: str | None, scheduler: str | None = None, *, source: str = "--executor") -> str:
    """The executor to use: the one named, or ``dask`` when a scheduler address is
    given, else ``local``. Raises ScenarioError for an unknown name or a scheduler
    address given to a non-Dask executor."""
    if executor is None:
        return "dask" if scheduler else "local"
    if executor not in EXECUTORS:
        import difflib

        hint = difflib.get_close_matches(str(executor), EXECUTORS, n=1, cutoff=0.5)
        raise ScenarioError(f"unknown executor '{executor}'" + (f"; did you mean '{hint[0]}'?" if hint else ";")
                            + f" valid executors: {', '.join(EXECUTORS)}", key=source)
    if scheduler and executor != "dask":
        # the executor may come from a sweep or settings file (executor: local), not from --executor
        raise ScenarioError(f"a scheduler address needs the dask executor (the executor is {executor}); use "
                            f"--executor dask (or executor: dask in the file) with --scheduler {scheduler}",
                            key="--scheduler")
    return executor


def unused_workers(workers: int | None, executor: str, scheduler: str | None, named: str = "--workers") -> str | None:
    """What to say when the command line's ``--workers`` (or a file's, ``named``) goes
    unused: the serial executor runs every run in this one process, and a running Dask
    cluster runs on its own workers. ``refsim sweep --executor serial --workers 4`` ran on
    one core without a word."""
    if workers is None:
        return None
    if executor == "serial" and workers > 1:   # one worker is what serial runs on
        return f"{named} {workers} is unused: the serial executor runs every run in this process (--executor local runs a pool)"
    if executor == "dask" and scheduler:
        return f"{named} {workers} is unused: the Dask cluster at {scheduler} runs on its own workers"
    return None


def execution(executor: str | None, scheduler: str | None, file_executor: str | None = None,
              file_scheduler: str | None = None, file: "str | os.PathLike | None" = None) -> tuple[str, str | None]:
    """Where runs execute: the executor and the Dask scheduler's address (or None), from
    the command line's ``executor`` and ``scheduler`` and a settings or sweep file's.
    The command line wins as a whole: ``--executor local`` (or serial) runs here and
    leaves the file's scheduler unused (it was refused, blaming a --scheduler nobody
    gave), ``--executor dask`` alone uses the file's scheduler if it names one, and
    ``--scheduler`` alone means dask whatever executor the file names. ``file``: the
    settings file, named with its scheduler line where it contradicts itself."""
    if executor is None and scheduler is None:
        if file is not None and file_executor not in (None, "dask") and file_scheduler is not None:
            # the file contradicts itself: "use --executor dask ... with --scheduler" named flags nobody gave
            raise ScenarioError(f"the file's executor: {file_executor} takes no scheduler address; set executor: dask "
                                f"in the file (or give --executor dask), or remove its executor: or its scheduler: "
                                f"line", **_scheduler_where(str(file)))
        executor, scheduler = file_executor, file_scheduler
    elif scheduler is None and executor == "dask":
        scheduler = file_scheduler
    return check_executor(executor, scheduler), scheduler


def scheduler_file(scheduler: str | None, given: str | None, file: "str | os.PathLike | None") -> str | None:
    """The file to name when ``scheduler`` (as :func:`execution` resolved it) is refused:
    ``file`` where the address is the file's, not the command line's ``given``."""
    return str(file) if scheduler and not given and file is not None else None


def _scheduler_where(file: str | None, caller: str | None = None) -> dict:
    """Where a scheduler address came from, as a ScenarioError's file and key: a Python
    entry point's ``scheduler=`` (``caller``), a sweep or settings file's ``scheduler:``
    line, else the command line's --scheduler."""
    if caller:
        return {"file": f"{caller}()", "key": "scheduler"}
    from .scenario_io import top_key   # 'scheduler (line N)': a bad address alone was named without its line

    return {"file": file, "key": top_key(file, "scheduler")} if file else {"key": "--scheduler"}


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S, *, file: str | None = None,
                    caller: str | None = None) -> int:
    """Fail fast, in one line, unless a Dask scheduler with at least one worker answers
    at ``address`` within about ``timeout`` seconds: a malformed address, nobody
    listening, a port that accepts but stays silent, an HTTP server (the dashboard's
    port), a Dask worker, garbage, ``tls://`` against a tcp scheduler, or a scheduler
    with no workers are each refused in one line. Returns how many workers it has.
    ``file``: the sweep or settings file whose ``scheduler:`` gave the address (None:
    the command line's --scheduler), which the refusal names: it blamed a --scheduler
    nobody gave. ``caller``: the Python entry point given ``scheduler=`` (simulate,
    compare), named in its words."""
    where = _scheduler_where(file, caller)
    if caller:
        leave_out = "leave out scheduler= to use a local cluster"
    else:
        leave_out = ("give --executor local (or remove its scheduler: line) to run on this computer" if file
                     else "leave out --scheduler to use a local cluster")
    match = SCHEDULER_ADDRESS.match(address.strip())
    if not match:
        raise ScenarioError(f"'{address}' is not a scheduler address; write tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)",
                            **where)
    host, port = match["host"].strip("[]"), int(match["port"])
    deadline = time.monotonic() + timeout
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ScenarioError(f"no Dask scheduler reachable at {address} ({reason}); start one with "
                            f"`dask scheduler` or {leave_out}", **where) from None
    identity = _identify(address, max(1.0, deadline - time.monotonic()), where)
    kind = identity.get("type") if isinstance(identity, dict) else None
    if kind != "Scheduler":
        what = f"a Dask {kind.lower()}" if isinstance(kind, str) else "something else"
        raise ScenarioError(f"{address} answers but is {what}, not a Dask scheduler; give the scheduler's address "
                            f"(the one `dask scheduler` prints, port 8786 by default)", **where)
    if not identity.get("workers"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not identity.get("workers"):
            time.sleep(0.5)
            identity = _identify(address, max(0.5, deadline - time.monotonic()), where)
        if not identity.get("workers"):
            raise ScenarioError(f"the Dask scheduler at {address} has no workers; start some with "
                                f"`dask worker {address}`", **where)
    return len(identity["workers"])


def _identify(address: str, timeout: float, where: dict | None = None) -> dict:
    """The scheduler's answer to Dask's ``identity`` call, within ``timeout`` seconds
    (a silent or foreign server is cut off, never waited on); ``where``: the file and
    key a refusal names (check_scheduler's)."""
    where = where or {"key": "--scheduler"}
    import asyncio

    from distributed.comm import connect

    async def ask() -> dict:
        comm = await connect(address, timeout=timeout)
        try:
            await comm.write({"op": "identity", "reply": True})
            return await comm.read()
        finally:
            comm.abort()

    try:
        with _quiet_dask_logs():
            return asyncio.run(asyncio.wait_for(ask(), timeout))
    except (asyncio.TimeoutError, TimeoutError):
        raise ScenarioError(f"{address} accepts connections but no Dask scheduler answered within {timeout:g} s "
                            f"(a different server, or tls:// against tcp://?); give the scheduler's address",
                            **where) from None
    except Exception as error:  # noqa: BLE001 - whatever the far end sent, the user gets one line
        if isinstance(error, (MemoryError, OverflowError, ValueError, KeyError)):
            reason = "it sent bytes that are not Dask's protocol"  # e.g. a length prefix of exabytes
        elif address.startswith("tls://") and isinstance(error, TypeError):
            reason = "tls:// needs Dask's TLS settings (distributed.comm.tls) on this computer"
        else:
            reason = f"{type(error).__name__}: {' '.join(str(error).split())[:120]}"
        raise ScenarioError(f"{address} did not answer as a Dask scheduler ({reason}); "
                            f"check the address and its scheme (tcp:// or tls://)", **where) from None


def _client(scheduler: str):
    """A Dask client of the scheduler at ``scheduler``; a failure to connect is one line."""
    from distributed import Client

    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception as error:  # noqa: BLE001 - any failure to connect is one line
        raise ScenarioError(f"cannot connect to the Dask scheduler at {scheduler} ({type(error).__name__}); "
                            f"check the address", key="--scheduler") from None


def check_cluster(scheduler: str, *, file: str | None = None, caller: str | None = None) -> int:
    """check_scheduler, then :func:`check_worker_code` on the cluster's workers: before a
    study writes its folder, and in ``--dry-run``, which said yes to a cluster whose
    workers ran other code while the run refused it, after writing sweep.json; and for a
    Python entry point (``caller``), which blamed a --scheduler its script never gave.
    Returns the cluster's workers."""
    workers = check_scheduler(scheduler, file=file, caller=caller)
    with _client(scheduler) as client:   # named as check_scheduler names it
        check_worker_code(client, scheduler, where=_scheduler_where(file, caller))
    return workers


def check_worker_code(client, scheduler: str, where: dict | None = None) -> None:
    """Refuse, in one line, a cluster whose workers run other refsim code than this
    process (another version, a checkout with other changes): their runs would not be
    this command's, while the manifest named this process's code. Compared by
    provenance.code_digest, which each worker computes from the files it imported."""
    from distributed.comm.core import CommClosedError

    from .provenance import code_digest

    where = where or {"key": "--scheduler"}   # the file's scheduler: line where the address is a file's
    answers = client.run(code_digest, on_error="return")
    digests = {address: answer for address, answer in answers.items()
               if not isinstance(answer, (CommClosedError, OSError))}   # a worker leaving as it was asked
    for address, answer in sorted(digests.items()):
        if not isinstance(answer, BaseException):
            continue
        reason = str(answer).splitlines()[0] if str(answer) else ""
        what = ("runs an older refsim than this process (it has no code_digest)" if "code_digest" in reason   # before the check
                else f"cannot run refsim ({type(answer).__name__}: {reason})")   # no refsim to import at all
        raise ScenarioError(f"worker {address} of the Dask cluster at {scheduler} {what}; start the workers from the "
                            f"same installation", **where)
    other = sorted(address for address, digest in digests.items() if digest != code_digest())
    if other:
        raise ScenarioError(f"{len(other)} of the {len(digests)} workers at {scheduler} run other refsim code than this "
                            f"process (first: {other[0]}), so their runs would not be this command's; start the workers "
                            f"from the same installation (same version and files)", **where)


@dataclass(frozen=True)
class OtherCode:
    """What a Dask worker running other refsim code returns instead of a task's result."""

    worker: str


def on_this_code(function: Callable[[Any], Any], digest: str, task: Any) -> Any:
    """Run on a Dask worker: ``function(task)``, unless this worker's refsim code is not
    the client's (``digest``). :func:`check_worker_code` asks the workers there at the
    start; a worker that joins later (an adaptive cluster's) is checked here, task by
    task, at the cost of comparing two strings (the digest is computed once a process)."""
    from .provenance import code_digest

    if code_digest() != digest:
        from distributed import get_worker

        return OtherCode(get_worker().address)
    return function(task)


def _other_code_error(worker: str | None, scheduler: str | None) -> ScenarioError:
    """``worker``: its address, or None for one whose refsim predates the check (it could
    not load on_this_code, so it could not say where it is)."""
    who = f"worker {worker}" if worker else "a worker (its refsim is older than this process's)"
    return ScenarioError(f"{who} joined the Dask cluster at {scheduler} after the start and runs other "
                         f"refsim code than this process, so its runs would not be this command's; results finished so "
                         f"far are kept where the command saves them (a sweep resumes when rerun); start every worker "
                         f"from the same installation (same version and files)", key="--scheduler")


def _quiet_dask_logs():
    """Dask logs failed handshakes at ERROR with tracebacks; the user gets our one line instead."""
    return quiet_loggers(("distributed", "distributed.comm", "distributed.core", "distributed.client",
                          "distributed.batched"), logging.CRITICAL)


def run_tasks(function: Callable[[Any], Any], tasks: Iterable[Any], *, executor: str = "local", workers: int | None = None,
              scheduler: str | None = None, window: int | None = None,
              on_lost: Callable[[Any, str], Any] | None = None,
              split: Callable[[Any], list] | None = None) -> Iterator[Any]:
    """Yield ``function(task)`` for every task, in the order they finish.

    ``function`` must be importable by name (a module-level function) for the
    ``local`` and ``dask`` executors. ``workers`` defaults to the number of CPU
    cores (``local``, and the local Dask cluster started when no ``scheduler`` is
    given), and is never more than the number of tasks. Use it as
    ``with contextlib.closing(run_tasks(...)) as results:`` so that leaving the
    loop early (an error, Ctrl-C, SIGTERM) stops the workers at once.

    A local-pool worker that dies (the out-of-memory killer, a crash in native
    code) breaks the pool. The tasks it held are rerun one at a time, each alone in
    a fresh worker, so that only the task that kills its worker again is lost:
    ``split(task)`` may cut it into smaller tasks first (a batch into its runs),
    and ``on_lost(task, reason)`` returns what to yield in its place. Without
    ``on_lost`` a lost task ends the study with one ScenarioError line.
    """
    executor = check_executor(executor, scheduler)
    workers = max(1, int(workers or default_workers()))
    queue = iter(tasks)
    # never start more workers than there are tasks: peek at most `workers` of them
    head = list(itertools.islice(queue, workers))
    workers = max(1, min(workers, len(head)))
    queue = itertools.chain(head, queue)
    if executor == "serial" or (executor == "local" and workers == 1):
        return (function(task) for task in queue)
    if executor == "local":
        return _process_pool(function, queue, workers, window or 2 * workers, on_lost, split)
    return _dask(function, queue, workers, scheduler, window)


def _ignore_interrupt() -> None:
    # Ctrl-C reaches the whole process group: the parent decides what to keep, so
    # workers must not die mid-task with tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


#: prctl option that asks Linux to send the child a signal when its parent dies.
_PR_SET_PDEATHSIG = 1
#: Seconds between a worker's checks that its parent is still alive (where prctl is missing).
WATCHDOG_INTERVAL_S = 1.0


def _worker_start(parent: int) -> None:
    """Initializer of every local-pool worker: ignore Ctrl-C (the parent handles it)
    and die with the parent, whatever killed it. SIGTERM and SIGKILL to the parent
    run no cleanup there, so the worker watches for itself: Linux's
    ``PR_SET_PDEATHSIG`` sends it SIGKILL the moment the parent goes, and a thread
    that polls the parent's pid covers systems without it."""
    _ignore_interrupt()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a fork inherits the parent's clean-stop handler
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl: the watchdog below still works
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent,), name="refsim-parent-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while True:
        time.sleep(WATCHDOG_INTERVAL_S)
        if os.getppid() != parent:
            os._exit(1)


def _new_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool whose start method does not depend on what else was imported: importing
    mesa.batchrunner switches the whole process to 'spawn' (slower to start, and workers
    re-import everything). Where fork exists the workers are forked, as designed."""
    import multiprocessing

    from .kernel import warm_up

    fork = "fork" in multiprocessing.get_all_start_methods()
    if fork:
        warm_up()  # forked workers inherit the compiled kernel
    context = multiprocessing.get_context("fork" if fork else None)
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start,
                                  initargs=(os.getpid(),))


def _process_pool(function, queue: Iterator, workers: int, window: int, on_lost, split) -> Iterator[Any]:
    pool = _new_pool(workers)
    pending: dict[cf.Future, Any] = {}
    held_back: list = []   # tasks the pool refused because a worker died since the last wait
    finished = False

    def refill(count: int) -> None:
        for task in itertools.islice(queue, count):
            try:
                pending[pool.submit(function, task)] = task
            except BrokenProcessPool:
                held_back.append(task)
                return

    try:
        refill(window)
        while pending or held_back:
            done = cf.wait(pending, return_when=cf.FIRST_COMPLETED)[0] if pending else set()
            lost = []
            for future in done:
                task = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool:
                    lost.append(task)
                    continue
                if not lost:
                    refill(1)
                yield result
            if lost or held_back:
                # a worker died: every task in flight failed with it; find the culprit by running each alone
                lost += list(pending.values()) + held_back
                pending.clear()
                held_back.clear()
                _stop_pool(pool, set())
                for task in lost:
                    yield from _run_alone(function, task, on_lost, split)
                pool = _new_pool(workers)
                refill(window)
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_pool(pool, set(pending))


def _run_alone(function, task, on_lost, split) -> Iterator[Any]:
    """Run one task that was in flight when a worker died, alone in a fresh worker."""
    pool = _new_pool(1)
    try:
        future = pool.submit(function, task)
        process = next(iter((getattr(pool, "_processes", None) or {}).values()), None)
        try:
            result = future.result()
        except BrokenProcessPool:
            if process is not None:
                process.join(timeout=5)
            reason = _death(process)
        else:
            yield result
            return
    finally:
        _stop_pool(pool, set())
    parts = split(task) if split is not None else [task]
    if len(parts) > 1:
        for part in parts:
            yield from _run_alone(function, part, on_lost, None)
        return
    if on_lost is None:
        raise ScenarioError(f"a worker process died while running a task ({reason}); if memory ran out, use fewer "
                            f"--workers or a smaller scenario", key="worker")
    yield on_lost(task, reason)


def _death(process) -> str:
    """Why a worker process ended, in words."""
    code = getattr(process, "exitcode", None)
    if code is None:
        return "the worker process ended unexpectedly"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = ": killed, most likely by the out-of-memory killer" if -code == signal.SIGKILL else ""
        return f"the worker process was ended by {name}{hint}"
    return f"the worker process exited with status {code}"


def _stop_pool(pool: cf.ProcessPoolExecutor, pending: set[cf.Future]) -> None:
    """Stop at once: end the workers; the pool then fails every task in ``pending`` that
    had not finished (BrokenProcessPool), none of which runs again. They are not
    cancelled here: Python 3.11's pool, finding its workers gone, sets an exception on
    each pending task and dies on one already cancelled (InvalidStateError, printed as a
    traceback from its thread)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # None once shut down
    results = getattr(pool, "_result_queue", None)
    pool.shutdown(wait=False, cancel_futures=False)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():  # a worker that does not end on SIGTERM within 5 s (a loaded machine) is killed
            process.kill()
            process.join(timeout=5)
    if results is not None and not any(process.is_alive() for process in processes):
        # A worker ended while it wrote a result leaves the pool's manager thread waiting
        # for the rest of the message, for ever: this process holds the pipe's other end,
        # so no end of file comes. Closing it here, with every worker gone, lets the thread
        # read the end and finish (else the interpreter's exit, which joins it, hangs).
        with contextlib.suppress(OSError, AttributeError):
            results._writer.close()


@contextlib.contextmanager
def _children_ignore_interrupt():
    """Start processes with SIGINT ignored (an ignored signal stays ignored across
    exec, and Python then installs no KeyboardInterrupt handler): Ctrl-C stops the
    parent, which closes the cluster, instead of every worker printing a traceback."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _dask(function, tasks, workers: int, scheduler: str | None, window: int | None) -> Iterator[Any]:
    with _quiet_dask_logs():  # a lost scheduler is our one line, not Dask's reconnect tracebacks
        yield from _dask_runs(function, tasks, workers, scheduler, window)


def _leave_if_importing_for_a_worker() -> None:
    """A worker of a local Dask cluster starts by importing the user's script again
    (multiprocessing's spawn): a script calling simulate(executor='dask') outside
    ``if __name__ == "__main__":`` then starts a cluster inside each worker, and the
    command died in about 290 lines of tracebacks from every process. Such a worker
    leaves here quietly; the script's own process says why in one line."""
    import multiprocessing

    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise SystemExit(1)


def _root_cause(error: BaseException) -> BaseException:
    """The first exception of ``error``'s chain (its cause, else its context, down)."""
    seen = set()
    while (below := error.__cause__ or error.__context__) is not None and id(below) not in seen:
        seen.add(id(error))
        error = below
    return error


def _unguarded_hint(root: BaseException) -> str:
    """Why a local cluster's worker processes may not start, where the program is a user's
    script and the workers' own processes failed (a worker importing an unguarded script
    leaves at once): not for `refsim` itself, whose worker start failed otherwise (a
    preload that is not there), which was told to guard a script it does not have."""
    main = sys.modules.get("__main__")
    if getattr(main, "__file__", None) is None or "failed to start worker process" not in str(root):
        return ""
    ours = (getattr(main, "__package__", None) or "").startswith("simulator") or \
        getattr(getattr(main, "main", None), "__module__", "").startswith("simulator")
    if ours:
        return ""
    return (f"; Dask starts each worker by importing {Path(main.__file__).name} again: if it calls refsim outside "
            f"`if __name__ == \"__main__\":`, put those calls under it, or use executor='local'")


def _dask_runs(function, tasks, workers: int, scheduler: str | None, window: int | None) -> Iterator[Any]:
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        check_scheduler(scheduler)
        client = _client(scheduler)
        try:
            check_worker_code(client, scheduler)
        except BaseException:
            client.close()
            raise
    else:
        import dask

        _leave_if_importing_for_a_worker()
        with _children_ignore_interrupt(), dask.config.set(_local_cluster_config()):
            # Everything on 127.0.0.1 and no dashboard: a local cluster serves worker, log and
            # call-stack pages to anyone who can reach its ports, so it offers none.
            try:
                cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None,
                                       scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
                                       silence_logs=logging.CRITICAL)
            except Exception as error:   # noqa: BLE001 - its workers' start failed: one line, not Dask's tracebacks
                root = _root_cause(error)   # "Nanny failed to start." hid a worker's ModuleNotFoundError
                said = str(root).strip().splitlines()[0] if str(root).strip() else "no message"
                raise ScenarioError(f"the local Dask cluster's workers did not start ({type(root).__name__}: {said})"
                                    + _unguarded_hint(root), key="executor") from None
        client = Client(cluster, set_as_default=False)
    if scheduler:   # workers that join after check_worker_code are checked task by task
        from .provenance import code_digest

        submit = functools.partial(client.submit, on_this_code, function, code_digest(), pure=False)
    else:   # a local cluster's workers are this installation's
        submit = functools.partial(client.submit, function, pure=False)
    try:
        slots = sum(client.nthreads().values()) or workers
        window = window or 2 * slots
        queue = iter(tasks)
        running = as_completed([submit(task) for task in itertools.islice(queue, window)], loop=client.loop)
        while not running.is_empty():
            for future in _next_finished(running, client, scheduler):
                for task in itertools.islice(queue, 1):
                    running.add(submit(task))
                if future.status == "lost":   # a worker holding its result died, or the scheduler went
                    # named apart from `cluster`, the local cluster that the finally block closes
                    where = f"the Dask cluster at {scheduler}" if scheduler else "the local Dask cluster"
                    raise ScenarioError(f"{where} lost a task's result mid-run (the worker holding it, or the "
                                        f"scheduler, went away); results finished so far are kept where the command "
                                        f"saves them (a sweep resumes when rerun)",
                                        key="--scheduler" if scheduler else "--executor")
                if future.status == "cancelled":
                    raise _lost_scheduler(scheduler, "a task was cancelled")
                result = _finished_result(future, scheduler)
                future.release()
                if isinstance(result, OtherCode):
                    raise _other_code_error(result.worker, scheduler)
                yield result
    finally:
        try:
            client.close(timeout=CONNECT_TIMEOUT_S)
        except Exception:  # noqa: BLE001 - a scheduler that is gone cannot be told goodbye
            pass
        if cluster is not None:
            cluster.close()


#: Dask settings for the local cluster, whose pages nobody sees (it serves no dashboard,
#: and its logs below CRITICAL are not printed: a worker whose scheduler went as Ctrl-C closed it printed a heartbeat error and a traceback, and a task's own error reaches the user through its result): no statistical profiler sampling every worker's
#: stacks 100 times a second, and its event-loop and system checks once a second and
#: every 5 s instead of every 20 ms and 0.5 s. The memory monitor that pauses or restarts
#: a worker near its limit keeps Dask's interval. Alternating pairs of the 2,000-run
#: sweep (2 workers; the pairs had that monitor at 5 s too): 3-12% less wall time and
#: less worker CPU in each of five pairs (bench/RESULTS_sweep.md).
LOCAL_CLUSTER_SETTINGS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
}


def _local_cluster_config() -> dict:
    return {**LOCAL_CLUSTER_SETTINGS, "distributed.nanny.pre-spawn-environ": _worker_environ()}


def _worker_environ() -> dict:
    """The environment Dask's nannies give the local cluster's workers, less
    ``MALLOC_TRIM_THRESHOLD_``. Dask sets it to 64 kB to hand memory back to the system
    sooner; setting it also fixes glibc's mmap threshold at 128 kB, so every array of a
    run above that size is mapped afresh and its pages faulted in and cleared again. A
    run allocates its people and network arrays anew, and a 2,000-run sweep took 10-15%
    longer that way (bench/RESULTS_sweep.md). Local-pool workers never had it."""
    import dask

    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", default={}) or {})
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    return environ


def _next_finished(running, client, scheduler: str | None) -> list:
    """The futures finished so far (waiting for at least one), or one ScenarioError line
    once the scheduler has been unreachable for ``CONNECT_TIMEOUT_S`` seconds: Dask's own
    iteration would wait for it forever or end in a long traceback."""
    since = None
    while True:
        if running.has_ready():
            return running.next_batch(block=False)
        if client.status in ("running", "connecting") and client.scheduler_comm is not None and not \
                client.scheduler_comm.comm.closed():
            since = None
        elif since is None:
            since = time.monotonic()
        elif time.monotonic() - since > CONNECT_TIMEOUT_S:
            raise _lost_scheduler(scheduler, "the connection closed")
        time.sleep(0.02)


def _finished_result(future, scheduler: str | None) -> Any:
    """A finished future's result, or one ScenarioError line where the scheduler went
    between the future's status and its result: the result's hand-over then ends in
    CommClosedError, or in FutureCancelledError ("cancelled for reason:
    scheduler-connection-lost"), which once ended a sweep in a traceback."""
    from concurrent.futures import CancelledError

    from distributed.comm.core import CommClosedError

    try:
        return future.result()
    except CommClosedError as error:  # the scheduler died while handing the result over
        raise _lost_scheduler(scheduler, type(error).__name__) from None
    except CancelledError:   # distributed's FutureCancelledError is one: cancelled as the connection went
        raise _lost_scheduler(scheduler, "a task was cancelled") from None
    except (AttributeError, ImportError) as error:
        if "on_this_code" in str(error):   # a late worker whose refsim predates the check
            raise _other_code_error(None, scheduler) from None
        raise


def _lost_scheduler(scheduler: str | None, why: str) -> ScenarioError:
    where = f"at {scheduler}" if scheduler else "of the local cluster"
    return ScenarioError(f"lost the Dask scheduler {where} mid-run ({why}); results finished so far are kept where "
                         f"the command saves them (a sweep resumes when rerun)", key="--scheduler")
