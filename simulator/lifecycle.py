"""How the command line stops when asked to: SIGTERM (``kill``, a CI timeout, a
container stop) takes the same clean path as Ctrl-C.

Python's default for SIGTERM is to die at once, skipping every ``finally``: the
local pool's workers are left running and a results folder being staged is left
behind as ``.NAME.XXXX.partial/``. Raising ``Terminated`` (a KeyboardInterrupt)
instead lets the executors stop their workers and the staging folder remove
itself; a sweep keeps every run already saved.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

#: Exit status of a process stopped by SIGTERM (128 + 15), as a shell reports it.
TERMINATED_EXIT = 143


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives."""


#: Seconds after a fork during which a SIGTERM or Ctrl-C still waits, then is delivered again.
REDELIVER_AFTER_S = 0.01

# Forks in flight, and the stop (a signal number, 0 for none) that arrived during one. Python
# runs its fork hooks (logging's lock release among them) as Python code, and an exception
# raised there is printed as "Exception ignored" and dropped: the stop would be lost and a
# traceback shown. A Ctrl-C so dropped let a sweep started a moment before run to its end.
_forks = {"in_flight": 0, "deferred": 0}
_forks_lock = threading.Lock()  # never taken by the signal handler, which runs in the main thread


#: The stops asked of this process (SIGTERM, SIGINT), in order. Raised where the main
#: thread happens to be, a stop can be lost: inside a garbage-collection callback Python
#: prints "Exception ignored" and carries on (a sweep killed as it drew its plots then
#: finished with exit 0), and inside a C library's callback it can come out as another
#: error (matplotlib's "Invalid affine transformation matrix", a traceback and exit 1).
#: The command line reads it here (:func:`stop_asked`) to end as interrupted all the same.
_asked: list[int] = []


def _defer(signum: int) -> bool:
    """Whether a fork is in flight, the stop then kept to be delivered again once it is
    done (_fork_done); the first of several is the one kept."""
    if not _forks["in_flight"]:
        return False
    _forks["deferred"] = _forks["deferred"] or signum
    return True


def _raise_terminated(signum, frame) -> None:
    if _defer(signum):
        return
    _asked.append(signum)
    # a second SIGTERM must not interrupt the cleanup the first one started
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def _raise_interrupted(signum, frame) -> None:
    """Ctrl-C: Python's own KeyboardInterrupt, recorded first (:data:`_asked`); during a
    fork, once it is done (as SIGTERM)."""
    if _defer(signum):
        return
    _asked.append(signum)
    raise KeyboardInterrupt


def _quiet_stops(unraisable) -> None:
    """A stop Python dropped (raised in a garbage-collection callback): recorded, and the
    command ends as stopped (stop_asked), so not printed as "Exception ignored in ..."
    with a traceback. Anything else is printed as Python prints it."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        _quiet_stops.passed_on(unraisable)


_quiet_stops.passed_on = sys.__unraisablehook__


def forget_stops() -> None:
    """Start a command with no stop asked: each is one command's (a process that runs
    several, as a test does, read an earlier one's stop as its own)."""
    _asked.clear()


def stop_asked() -> KeyboardInterrupt | None:
    """The first stop asked of this process, as the exception it raised (Terminated for
    SIGTERM, KeyboardInterrupt for Ctrl-C), or None: whether the command must end as
    interrupted, even where the exception itself was lost or turned into another."""
    if not _asked:
        return None
    return Terminated() if _asked[0] == signal.SIGTERM else KeyboardInterrupt()


def _before_fork() -> None:
    with _forks_lock:
        _forks["in_flight"] += 1


def _after_fork_in_parent() -> None:
    # the other hooks of this fork run after this one, as Python code too: the fork
    # counts as in flight until a moment later, when the main thread is past them all
    threading.Timer(REDELIVER_AFTER_S, _fork_done).start()


def _fork_done() -> None:
    with _forks_lock:
        _forks["in_flight"] -= 1
        again = _forks["deferred"] if not _forks["in_flight"] else 0
        if again:
            _forks["deferred"] = 0
    if again:
        os.kill(os.getpid(), again)


def _after_fork_in_child() -> None:
    # a forked worker dies of SIGTERM at once (its parent stops it that way), instead of
    # inheriting the clean stop and raising Terminated wherever its start-up happens to be.
    # The default action comes first: until then the parent's count of forks in flight,
    # inherited, defers a SIGTERM (cleared, it raised Terminated inside this hook: a
    # traceback on the console); one deferred so is delivered again once it is the default
    global _forks_lock
    redeliver = False
    if signal.getsignal(signal.SIGTERM) is _raise_terminated:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        redeliver = _forks["deferred"] == signal.SIGTERM   # a Ctrl-C reaches the worker's whole group anyway
    _forks_lock = threading.Lock()  # a timer thread of the parent may have held it: it is not here
    _forks.update(in_flight=0, deferred=0)
    if redeliver:
        os.kill(os.getpid(), signal.SIGTERM)


_hooked = []


def stop_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into ``Terminated`` (only possible from the main thread); forked
    children get the default again, and a SIGTERM or Ctrl-C during a fork is raised after it.
    Both it and Ctrl-C are recorded as they are raised (:func:`stop_asked`)."""
    if threading.current_thread() is threading.main_thread():
        if not _hooked:
            os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                                after_in_child=_after_fork_in_child)
            _hooked.append(True)
        forget_stops()
        if sys.unraisablehook is not _quiet_stops:
            _quiet_stops.passed_on = sys.unraisablehook
            sys.unraisablehook = _quiet_stops
        signal.signal(signal.SIGTERM, _raise_terminated)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:   # not where someone set their own
            signal.signal(signal.SIGINT, _raise_interrupted)
