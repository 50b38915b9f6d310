"""refsim: an agent-based simulator of referral-driven growth.

>>> from simulator import load_scenario, simulate
>>> results = simulate(load_scenario("scenarios/default.yaml"), replicates=2, seed=1)
>>> results.timeseries.columns[:4].tolist()
['scenario', 'replicate', 'day', 'prospects']
"""

from importlib import metadata as _metadata

try:
    __version__ = _metadata.version("refsim")
except _metadata.PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0+local"

from .config import Scenario  # noqa: E402
from .errors import ScenarioError  # noqa: E402
from .scenario_io import load_scenario  # noqa: E402
from .runner import Results, simulate  # noqa: E402

__all__ = ["Scenario", "ScenarioError", "load_scenario", "simulate", "Results", "__version__"]
