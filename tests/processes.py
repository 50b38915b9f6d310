"""Helpers for tests that start and kill real processes and servers on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest


def wait_for(condition, limit: float = 60.0) -> bool:
    """Poll ``condition`` until it holds; the limit only keeps a broken build from hanging."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def kill_group_when(process, ready, what: str, limit: float = 60.0) -> bool:
    """Wait until ``ready()`` holds or ``process`` ends, then SIGKILL its process group
    (started with ``start_new_session``): True when it was killed, False when it ended
    first. ``limit`` is a hang guard, not a speed check: past it the test fails, saying
    ``what`` did not happen."""
    deadline = time.monotonic() + limit
    while not ready() and process.poll() is None:
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {limit:g} s")
        time.sleep(0.01)
    if process.poll() is not None:
        return False
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return True
