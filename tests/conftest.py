"""Shared fixtures: small scenarios that run in well under a second."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simulator.config import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def small(**changes) -> Scenario:
    """The default consumer program on 2,000 people for 120 days, with overrides
    given as nested dicts (e.g. program={"incentive": {...}})."""
    base = {
        "name": "small",
        "seed": 11,
        "days": 120,
        "replicates": 2,
        "population": {"size": 2000, "initial_customers": 40},
        "network": {"kind": "powerlaw_cluster", "mean_degree": 10, "clustering": 0.2, "strong_tie_share": 0.3},
        "acquisition": {"organic_rate": 0.001},
        "word_of_mouth": {"spontaneous_rate": 0.004},
        "program": {
            "incentive": {"kind": "double_sided", "referrer_reward": 10, "referee_reward": 10, "qualification_days": 14},
            "timing": {"kind": "onboarding", "delay_days": 2, "reminders": {"count": 2, "interval_days": 5}},
        },
    }
    _merge(base, changes)
    return Scenario.model_validate(base)


def _merge(base: dict, changes: dict) -> None:
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict) and "kind" not in value:
            _merge(base[key], value)
        else:
            base[key] = value


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A home folder of the test's own, as $HOME: paths beginning ``~`` read from it."""
    folder = tmp_path / "home"
    folder.mkdir()
    monkeypatch.setenv("HOME", str(folder))
    return folder


@pytest.fixture
def small_scenario() -> Scenario:
    return small()


def _build_cli_once() -> None:
    """typer's CliRunner rebuilds the click command from the Typer app on every invoke
    (inspecting every command's signature: tens of milliseconds a call, most of the
    in-process fuzz tests' time). The console script builds it once per process; so do
    the tests."""
    import functools

    import typer.testing

    typer.testing._get_command = functools.lru_cache(maxsize=None)(typer.testing._get_command)


_build_cli_once()


def pytest_sessionstart(session) -> None:
    """On a fresh checkout (nothing in numba's cache), compile the kernel and the graph
    loops once, here, before pytest-xdist starts its workers (its own sessionstart hook
    runs last): each worker then loads them from the cache. Otherwise every worker's
    first kernel test compiles them at the same time, each with a second process for the
    graph loops, on the same cores. Runs in the controller only, and in the single
    process of ``-n 0``. A compile that fails is left to the tests that need it to report."""
    if hasattr(session.config, "workerinput"):
        return  # an xdist worker: the controller has compiled already
    from simulator import kernel

    if not kernel._nothing_compiled():
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("compiling the simulation kernel once for every test worker "
                            "(a fresh checkout's first run only: 15 to 40 seconds)")
    start = time.perf_counter()
    try:
        kernel.warm_up()
    except Exception as error:  # noqa: BLE001 - the kernel tests will show the error in full
        if reporter is not None:
            reporter.write_line(f"the kernel did not compile ({type(error).__name__}); its tests will say why")
        return
    if reporter is not None:  # pytest's own clock starts after this hook: its total leaves the compile out
        reporter.write_line(f"compiled in {time.perf_counter() - start:.0f} s (not counted in the time pytest reports)")


#: A 1 x 1 PNG, written in place of a figure by a test that does not draw (see _draw_figures).
BLANK_PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                          "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


@pytest.fixture(autouse=True)
def _draw_figures(request, monkeypatch):
    """Figures are drawn and laid out only by the tests that look at them: in the others
    every plotting call runs as a command makes it, and the figure is closed and written as
    a 1 x 1 PNG in place of laying it out and drawing it, which took half the time of the
    commands' tests (text layout, not pixels: a lower resolution saved nothing). Every
    figure a command writes is drawn for real in tests/test_figures_drawn.py, on nasty
    names too, and in any test marked `draw` (or with REFSIM_TEST_DRAW=1, every test)."""
    import os

    if request.node.get_closest_marker("draw") or os.environ.get("REFSIM_TEST_DRAW") == "1":
        yield
        return
    from simulator.report import calibrate, figure, optimize, sensitivity
    from simulator.results import atomic_write

    def blank(fig, path, *, rect=None):
        figure.plt.close(fig)
        atomic_write(path, lambda temp: Path(temp).write_bytes(BLANK_PNG))
        return Path(path)

    for module in (figure, calibrate, optimize, sensitivity):
        monkeypatch.setattr(module, "save", blank)
    yield


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the figures a test left open: tests that catch a figure before it is saved
    (monkeypatching report.plots._save, which closes it) left them open, and matplotlib
    warned of more than 20 open figures in the suite's output."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture
def tmp_path(request, tmp_path_factory) -> Path:
    """pytest's tmp_path, a fresh folder under the session's base folder named after the
    test, made in constant time: pytest numbers its folders by listing every folder made
    before (``make_numbered_dir``), about 1.1 million names listed over one process's
    thousand folders, 8 s of a run of the suite."""
    import re
    import tempfile

    name = re.sub(r"\W", "_", request.node.name)[:22]   # with the 8 random characters, as long as pytest's names
    return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=tmp_path_factory.getbasetemp()))
