"""The educator app served on a free localhost port for browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Server start-up imports Solara, Mesa and matplotlib: seconds on a busy 2-core machine.
START_TIMEOUT_S = 90


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``refsim app`` on 127.0.0.1, answering HTTP; stopped (its whole process group) afterwards."""
    log_path = tmp_path_factory.mktemp("app-server") / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "simulator.cli", "app", "--port", str(port)], cwd=ROOT,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if server.poll() is not None:
                pytest.fail(f"refsim app exited with code {server.returncode} before answering:\n{_tail(log_path)}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"refsim app did not answer on {url} within {START_TIMEOUT_S} s:\n{_tail(log_path)}")
            time.sleep(0.25)
        yield url
    finally:
        _stop(server)


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the group this fixture created, nothing else
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"
