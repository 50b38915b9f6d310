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
import itertools
import logging
import os
import re
import signal
import socket
import threading
from typing import Any, Callable, Iterable, Iterator

from .errors import ScenarioError

EXECUTORS = ("local", "serial", "dask")

#: Seconds to wait for an existing Dask scheduler before giving up with a one-line error.
CONNECT_TIMEOUT_S = 5.0

SCHEDULER_ADDRESS = re.compile(r"^(tcp|tls)://(?P<host>\[[0-9A-Fa-f:]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})$")


def default_workers() -> int:
    return os.cpu_count() or 1


def check_executor(executor: str | None, scheduler: str | None = None, *, source: str = "--executor") -> str:
    """The executor to use: the one named, or ``dask`` when a scheduler address is
    given, else ``local``. Raises ScenarioError for an unknown name or a scheduler
    address given to a non-Dask executor."""
    if executor is None:
        return "dask" if scheduler else "local"
    if executor not in EXECUTORS:
        import difflib

        hint = difflib.get_close_matches(str(executor), EXECUTORS, n=1, cutoff=0.5)
        raise ScenarioError(f"unknown executor '{executor}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
                            + f" valid executors: {', '.join(EXECUTORS)}", key=source)
    if scheduler and executor != "dask":
        raise ScenarioError(f"a scheduler address needs the dask executor (got --executor {executor}); "
                            f"use --executor dask --scheduler {scheduler}", key="--scheduler")
    return executor


def check_scheduler(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail fast, in one line, when a Dask scheduler address is malformed or nobody
    listens there (a refused connection answers at once; a silent host within ``timeout``)."""
    match = SCHEDULER_ADDRESS.match(address.strip())
    if not match:
        raise ScenarioError(f"'{address}' is not a scheduler address; write tcp://HOST:PORT (e.g. tcp://10.0.0.5:8786)",
                            key="--scheduler")
    host, port = match["host"].strip("[]"), int(match["port"])
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ScenarioError(f"no Dask scheduler reachable at {address} ({reason}); start one with "
                            f"`dask scheduler` or leave out --scheduler to use a local cluster", key="--scheduler") from None


def run_tasks(function: Callable[[Any], Any], tasks: Iterable[Any], *, executor: str = "local", workers: int | None = None,
              scheduler: str | None = None, window: int | None = None) -> Iterator[Any]:
    """Yield ``function(task)`` for every task, in the order they finish.

    ``function`` must be importable by name (a module-level function) for the
    ``local`` and ``dask`` executors. ``workers`` defaults to the number of CPU
    cores (``local``, and the local Dask cluster started when no ``scheduler`` is
    given). Use it as ``with contextlib.closing(run_tasks(...)) as results:`` so
    that leaving the loop early (an error, Ctrl-C) stops the workers at once.
    """
    executor = check_executor(executor, scheduler)
    workers = max(1, int(workers or default_workers()))
    if executor == "serial" or (executor == "local" and workers == 1):
        return (function(task) for task in tasks)
    if executor == "local":
        return _process_pool(function, tasks, workers, window or 2 * workers)
    return _dask(function, tasks, workers, scheduler, window)


def _ignore_interrupt() -> None:
    # Ctrl-C reaches the whole process group: the parent decides what to keep, so
    # workers must not die mid-task with tracebacks of their own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _process_pool(function, tasks, workers: int, window: int) -> Iterator[Any]:
    pool = cf.ProcessPoolExecutor(max_workers=workers, initializer=_ignore_interrupt)
    pending: set[cf.Future] = set()
    queue = iter(tasks)
    finished = False
    try:
        for task in itertools.islice(queue, window):
            pending.add(pool.submit(function, task))
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                for task in itertools.islice(queue, 1):
                    pending.add(pool.submit(function, task))
                yield future.result()
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop_pool(pool, pending)


def _stop_pool(pool: cf.ProcessPoolExecutor, pending: set[cf.Future]) -> None:
    """Stop at once: cancel what has not started and end the workers running the rest."""
    for future in pending:
        future.cancel()
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=5)


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
    from distributed import Client, LocalCluster, as_completed

    cluster = None
    if scheduler:
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError) as error:
            raise ScenarioError(f"cannot connect to the Dask scheduler at {scheduler} ({error}); check the address",
                                key="--scheduler") from None
    else:
        with _children_ignore_interrupt():
            # the scheduler's HTTP server on a free port: never a clash with a dashboard on 8787
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                                   scheduler_kwargs={"dashboard": False, "dashboard_address": ":0"},
                                   silence_logs=logging.ERROR)
        client = Client(cluster, set_as_default=False)
    try:
        slots = sum(client.nthreads().values()) or workers
        window = window or 2 * slots
        queue = iter(tasks)
        running = as_completed([client.submit(function, task, pure=False) for task in itertools.islice(queue, window)],
                               loop=client.loop)
        for future in running:
            for task in itertools.islice(queue, 1):
                running.add(client.submit(function, task, pure=False))
            result = future.result()
            future.release()
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
