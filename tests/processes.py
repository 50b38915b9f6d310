"""Helpers for tests that start and kill real processes and servers on 127.0.0.1."""

from __future__ import annotations

import socket
import time


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
