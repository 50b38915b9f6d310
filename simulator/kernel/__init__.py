"""The compiled event kernel: the day of engine.py as one numba loop over what
happens that day (see day.py). :class:`~simulator.engine.Engine` runs its days here
whenever the scenario uses only what the kernel compiles; the numpy stages of
engine.py remain the reference and run the program levers the kernel does not yet
compile (listed by :func:`unsupported`).

``REFSIM_ENGINE`` = ``auto`` (the default), ``kernel`` or ``numpy`` chooses for runs
that do not say (``Engine(..., kernel=None)``): the same scenario and seed give the
same outputs on one path every time, and the two paths agree in distribution
(docs/validation.md). This module imports no numba: the compiled parts load on the
first run that uses them.
"""

from __future__ import annotations

import os

#: Values of REFSIM_ENGINE.
CHOICES = ("auto", "kernel", "numpy")


def unsupported(scenario) -> str | None:
    """Why the kernel cannot run ``scenario`` (the first lever it does not compile), or None."""
    program = scenario.program
    for lever in ("delight", "targeting", "staff", "influencers"):
        if getattr(program, lever) is not None:
            return f"program.{lever}"
    if scenario.churn.only_while_referrer_active and scenario.churn.monthly_rate > 0:
        return "churn.only_while_referrer_active"
    if scenario.satisfaction.drift_per_year != 0:
        return "satisfaction.drift_per_year"
    return None


def engine_choice() -> str:
    """REFSIM_ENGINE, checked: auto (also when unset), kernel or numpy."""
    choice = os.environ.get("REFSIM_ENGINE", "auto").strip().lower() or "auto"
    if choice not in CHOICES:
        from ..errors import ScenarioError  # a user's setting: one line from the CLI, exit 2

        raise ScenarioError(f"{choice!r} is not a path; valid values are {', '.join(CHOICES)}", key="REFSIM_ENGINE")
    return choice


def use_kernel(scenario, kernel: bool | None) -> bool:
    """Whether a run uses the kernel: ``kernel`` when given, else REFSIM_ENGINE (auto:
    whenever it can). Asking for the kernel where it cannot run is an error."""
    if kernel is None:
        choice = engine_choice()
        if choice == "numpy":
            return False
        kernel = True if choice == "kernel" else None
    reason = unsupported(scenario)
    if kernel and reason is not None:
        raise ValueError(f"the compiled kernel does not run {reason} yet; run it on the numpy path (kernel=False)")
    return reason is None if kernel is None else bool(kernel)


def common_path(scenarios) -> bool | None:
    """The path for runs that are compared with each other: False (the numpy stages for
    all) when the kernel cannot run one of them, else None (each as REFSIM_ENGINE says).
    Designs compared replicate by replicate must draw alike to share their luck."""
    return False if any(unsupported(s) is not None for s in scenarios) else None


def warm_up() -> None:
    """Compile the kernel and the graph generators' loops, or load them from numba's
    cache, in this process (tiny runs): workers forked from it then start with them
    instead of each compiling them at once. On the numpy path only the graph loops."""
    from ..config import Scenario
    from ..engine import Engine

    kernel = engine_choice() != "numpy"
    for network in ({"kind": "powerlaw_cluster", "mean_degree": 4}, {"kind": "erdos_renyi", "mean_degree": 4}):
        tiny = Engine(Scenario(population={"size": 50, "initial_customers": 2}, days=3, network=network), 1, kernel=kernel)
        if kernel:
            tiny.run()
