"""How the command line stops when asked to: SIGTERM (``kill``, a CI timeout, a
container stop) takes the same clean path as Ctrl-C.

Python's default for SIGTERM is to die at once, skipping every ``finally``: the
local pool's workers are left running and a results folder being staged is left
behind as ``.NAME.XXXX.partial/``. Raising ``Terminated`` (a KeyboardInterrupt)
instead lets the executors stop their workers and the staging folder remove
itself; a sweep keeps every run already saved.
"""

from __future__ import annotations

import signal
import threading

#: Exit status of a process stopped by SIGTERM (128 + 15), as a shell reports it.
TERMINATED_EXIT = 143


class Terminated(KeyboardInterrupt):
    """Raised in the main thread when SIGTERM arrives."""


def _raise_terminated(signum, frame) -> None:
    # a second SIGTERM must not interrupt the cleanup the first one started
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise Terminated()


def stop_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into ``Terminated`` (only possible from the main thread)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise_terminated)
