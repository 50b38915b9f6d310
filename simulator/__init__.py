"""refsim: an agent-based simulator of referral-driven growth.

>>> from simulator import load_scenario, simulate
>>> results = simulate(load_scenario("scenarios/default.yaml"), replicates=2, seed=1)
>>> results.timeseries.columns[:4].tolist()
['scenario', 'replicate', 'day', 'prospects']

The public names are loaded on first use (PEP 562), so that ``import simulator``
and ``refsim --help`` do not pay for numpy, pydantic and the scenario schema
(about half a second) before they are needed; ``from simulator import simulate``
works as always, and so does a module named through the package
(``simulator.compare.compare`` after ``import simulator``).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

#: public name -> the module that defines it
_PUBLIC = {
    "Scenario": ".config",
    "ScenarioError": ".errors",
    "load_scenario": ".scenario_io",
    "simulate": ".runner",
    "Results": ".runner",
    "ReferralModel": ".model",
}

__all__ = ["Scenario", "ScenarioError", "load_scenario", "simulate", "Results", "ReferralModel", "__version__"]

if TYPE_CHECKING:  # static tools see the eager imports
    from .config import Scenario
    from .errors import ScenarioError
    from .model import ReferralModel
    from .runner import Results, simulate
    from .scenario_io import load_scenario


def __getattr__(name: str):
    if name == "__version__":
        # importlib.metadata scans every installed distribution: only when asked
        from importlib import metadata

        try:
            value = metadata.version("refsim")
        except metadata.PackageNotFoundError:  # running from a source tree that is not installed
            value = "0.0.0+local"
    elif name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
    elif not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
        # a module, as the docs write them (simulator.compare.compare, simulator.report.write_run): after
        # ``import simulator`` alone they raised AttributeError until the module was imported by name
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
