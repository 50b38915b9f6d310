"""The educator app served on a free localhost port for browser tests, with a preset
folder that also holds a broken file; and the system Chromium under Playwright."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Server start-up imports Solara, Mesa and the engine: seconds on a busy 2-core machine.
START_TIMEOUT_S = 120
CHROMIUM = Path(os.environ.get("REFSIM_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: A preset with a YAML mistake: picking it must show the error, not crash the page.
BROKEN_PRESET = "name: broken\ndays: [not, a, number\n"
#: ... and one with a misspelt key: two refusals in a row left the menu on the second's name.
TYPO_PRESET = "name: typo\nprogram: {incentive: {kind: single_sided, referer_reward: 5}}\n"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def presets(tmp_path_factory) -> Path:
    """A copy of scenarios/ (with the edge list the cascade preset reads) plus broken.yaml and typo.yaml."""
    folder = tmp_path_factory.mktemp("presets")
    for path in (ROOT / "scenarios").iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    (folder / "broken.yaml").write_text(BROKEN_PRESET)
    (folder / "typo.yaml").write_text(TYPO_PRESET)
    return folder


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, presets):
    """``refsim app`` on 127.0.0.1 over the preset folder, answering HTTP; stopped (its
    whole process group) afterwards."""
    log_path = tmp_path_factory.mktemp("app-server") / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    with open(log_path, "wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "simulator.cli", "app", str(presets / "default.yaml"),
                                   "--port", str(port)], cwd=ROOT, env=env,
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
        log = _tail(log_path, 200)
        if "Traceback" in log:
            print(f"server log:\n{log}")


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright for Python is missing: pip install -e '.[test]'", pytrace=False)
    if not CHROMIUM.exists():
        # a fresh machine has Python and pip only: the README's test command passes there, the browser checks
        # skipped and named; CI installs Chromium (.ci/run), so there a missing browser is a failure
        missing = (f"no Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium) "
                   f"or point REFSIM_CHROMIUM at a Chromium binary")
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(missing, pytrace=False)
        pytest.skip(missing + " to run the browser tests")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as error:  # the message of a failed launch is the useful part
            pytest.fail(f"cannot start Chromium at {CHROMIUM}: {str(error).splitlines()[0]}", pytrace=False)
        yield chromium
        chromium.close()


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
